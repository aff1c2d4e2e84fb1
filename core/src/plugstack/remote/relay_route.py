"""The relay routes answered at the ASGI edge, before FastAPI's router.

``POST /v1/chat/completions``, ``/v1/completions`` and ``/v1/embeddings`` for a model whose
provider relays (a remote OpenAI-compatible server) cost the gateway what FastAPI spends
around the handler: dependency solving, the request object, response models, a streaming
response's task group. Here the body is validated once as the route's request model (pydantic
core on the bytes), routed, relayed as the client's bytes with the model renamed, and the
backend's bytes written as raw ASGI messages.

Everything else falls through to FastAPI unchanged, body and all: another path, a model served
in-process, and a body that does not validate (FastAPI words the 400 as for every route). The
FastAPI routes stay declared, so /openapi.json still documents these paths.
"""

from typing import Any

from pydantic import BaseModel, ValidationError

from plugstack.apis.inference.models import ChatCompletionRequest, CompletionRequest, EmbeddingsRequest
from plugstack.apis.inference.routes import NO_DONE_SENTINEL_AGENTS
from plugstack.apis.names import Api
from plugstack.errors import PlugstackError
from plugstack.remote.relay import RelayedJson, relays
from plugstack.server.asgi import ASGIApp, Receive, Scope, Send, header, is_json, read_body, replay, send_error_body
from plugstack.server.sse import send_relayed_sse

REQUESTS: dict[str, type[ChatCompletionRequest | CompletionRequest | EmbeddingsRequest]] = {
    "/v1/chat/completions": ChatCompletionRequest,
    "/v1/completions": CompletionRequest,
    "/v1/embeddings": EmbeddingsRequest,
}
_JSON_HEADERS = (b"content-type", b"application/json")
_NO_DONE_SENTINEL = tuple(agent.encode() for agent in NO_DONE_SENTINEL_AGENTS)


class RelayRouteMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._stack: Any = None
        self._router: Any = None  # the inference router, when a provider of the stack relays

    def _relay_router(self, scope: Scope) -> Any:
        stack = scope["app"].state.stack
        if stack is not self._stack:
            inference = stack.impls.get(Api.inference)
            relaying = any(relays(h.impl) for h in stack.handles if h.api == Api.inference)
            self._stack, self._router = stack, inference if relaying else None
        return self._router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in REQUESTS:
            await self.app(scope, receive, send)
            return
        router = self._relay_router(scope)
        if router is None or not is_json(header(scope, b"content-type")):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive) or b""
        try:
            request: BaseModel = REQUESTS[scope["path"]].model_validate_json(body)
        except ValidationError:
            await self.app(scope, replay(body, receive), send)
            return
        try:
            relayed = await router.relay(request, body)
            if relayed is None:
                await self.app(scope, replay(body, receive), send)
            elif isinstance(relayed, RelayedJson):
                length = str(len(relayed.body)).encode()
                headers = [_JSON_HEADERS, (b"content-length", length)]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": relayed.body})
            else:
                done_sentinel = not (header(scope, b"user-agent") or b"").startswith(_NO_DONE_SENTINEL)
                await send_relayed_sse(send, receive, relayed.events, scope["path"], done_sentinel)
        except PlugstackError as exc:
            await send_error_body(send, exc.body(instance=scope["path"]), exc.headers)
