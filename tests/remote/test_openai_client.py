"""The shared OpenAI-compatible client: error mapping, retries and streams, against real HTTP
exchanges (a small aiohttp server in the test answers exactly what a failing backend would)."""

import json
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from plugstack.apis.inference.models import ChatCompletion, ChatCompletionChunk, ChatCompletionRequest
from plugstack.errors import (
    BadRequestError,
    ProviderFailedError,
    ProviderUnavailableError,
    QuotaExceededError,
)
from plugstack.remote.config import RemoteInferenceConfig
from plugstack.remote.inference import RemoteInference
from plugstack.remote.openai_client import OpenAIClient, RemoteEndpointConfig, api_base
from plugstack.remote.relay import RelayedJson
from tests.support.server import free_port

REQUEST = ChatCompletionRequest(model="m", messages=[{"role": "user", "content": "hi"}], max_tokens=4)
REPLY = {
    "id": "x", "object": "chat.completion", "created": 1, "model": "m",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "hello"}, "finish_reason": "stop"}],
}  # fmt: skip

Answer = Callable[[web.Request, bytes], web.StreamResponse]


@pytest.fixture
async def backend() -> AsyncIterator[Callable[[Answer], str]]:
    """``serve(answer)`` starts a server whose every request is answered by ``answer``."""
    servers: list[TestServer] = []

    async def start(answer: Answer) -> str:
        async def handle(request: web.Request) -> web.StreamResponse:
            return answer(request, await request.read())

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handle)
        server = TestServer(app)
        await server.start_server()
        servers.append(server)
        return f"http://127.0.0.1:{server.port}"

    yield start  # type: ignore[misc]
    for server in servers:
        await server.close()


def client(url: str, **config: object) -> OpenAIClient:
    return OpenAIClient(RemoteEndpointConfig(url=url, retry_backoff_s=0, **config), "test backend")


def scripted(*answers: web.Response) -> Answer:
    remaining: Iterator[web.Response] = iter(answers)
    return lambda request, body: next(remaining)


def test_api_base_appends_v1_once() -> None:
    assert api_base("http://h:8000") == "http://h:8000/v1"
    assert api_base("http://h:8000/v1/") == "http://h:8000/v1"


async def test_sends_the_request_as_given_with_the_token(backend) -> None:  # type: ignore[no-untyped-def]
    seen: list[tuple[str, str | None, bytes]] = []

    def answer(request: web.Request, body: bytes) -> web.Response:
        seen.append((request.path, request.headers.get("authorization"), body))
        return web.json_response(REPLY)

    remote = client(await backend(answer), api_token="s3cret")
    reply = await remote.post("/chat/completions", REQUEST, ChatCompletion)
    await remote.aclose()
    assert reply.choices[0].message.content == "hello"
    path, auth, body = seen[0]
    assert (path, auth) == ("/v1/chat/completions", "Bearer s3cret")
    assert json.loads(body) == {"model": "m", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4}


async def test_raw_reply_is_the_backends_bytes(backend) -> None:  # type: ignore[no-untyped-def]
    raw = b'{"id": "x",  "model": "m", "choices": [], "extra": null}'
    remote = client(await backend(scripted(web.Response(body=raw, content_type="application/json"))))
    assert await remote.post_raw("/chat/completions", b"{}") == raw
    await remote.aclose()


async def test_retries_5xx_then_succeeds(backend) -> None:  # type: ignore[no-untyped-def]
    answers = scripted(web.Response(status=502, text="warming up"), web.Response(status=500, text="oops"),
                       web.json_response(REPLY))  # fmt: skip
    remote = client(await backend(answers), max_retries=2)
    assert (await remote.post("/chat/completions", REQUEST, ChatCompletion)).id == "x"
    await remote.aclose()


async def test_5xx_after_retries_is_502_with_the_backend_message(backend) -> None:  # type: ignore[no-untyped-def]
    remote = client(await backend(lambda r, b: web.json_response({"error": {"message": "boom"}}, status=500)))
    with pytest.raises(ProviderFailedError, match="boom"):
        await remote.post("/chat/completions", REQUEST, ChatCompletion)
    await remote.aclose()


@pytest.mark.parametrize(
    ("status", "error", "fragment"),
    [
        (400, BadRequestError, "context too long"),
        (422, BadRequestError, "context too long"),
        (401, ProviderFailedError, "credentials"),
        (429, QuotaExceededError, "context too long"),
        (503, ProviderUnavailableError, "context too long"),
    ],
)
async def test_status_mapping(backend, status: int, error: type[Exception], fragment: str) -> None:  # type: ignore[no-untyped-def]
    remote = client(
        await backend(lambda r, b: web.json_response({"error": {"message": "context too long"}}, status=status)),
        max_retries=0,
    )
    with pytest.raises(error, match=fragment):
        await remote.post("/chat/completions", REQUEST, ChatCompletion)
    await remote.aclose()


async def test_unreachable_backend_is_503() -> None:
    remote = client(f"http://127.0.0.1:{free_port()}", max_retries=1)
    with pytest.raises(ProviderUnavailableError, match="unreachable"):
        await remote.post("/chat/completions", REQUEST, ChatCompletion)
    await remote.aclose()


def sse(*payloads: str) -> web.Response:
    body = "".join(f"data: {payload}\n\n" for payload in payloads)
    return web.Response(body=body.encode(), content_type="text/event-stream")


CHUNK = json.dumps(
    {"id": "x", "object": "chat.completion.chunk", "created": 1, "model": "m",
     "choices": [{"index": 0, "delta": {"content": "a"}, "logprobs": None, "finish_reason": None}]}
)  # fmt: skip


async def test_raw_stream_passes_payloads_and_stops_at_done(backend) -> None:  # type: ignore[no-untyped-def]
    remote = client(await backend(scripted(sse(CHUNK, CHUNK, "[DONE]", "after-done"))))
    payloads = [p async for p in await remote.stream_raw("/chat/completions", b"{}")]
    assert payloads == [CHUNK.encode(), CHUNK.encode()]
    await remote.aclose()


async def test_stream_error_event_becomes_an_exception(backend) -> None:  # type: ignore[no-untyped-def]
    remote = client(await backend(scripted(sse(CHUNK, '{"error": {"message": "engine died", "code": 500}}'))))
    chunks = await remote.stream("/chat/completions", REQUEST, ChatCompletionChunk)
    first = await anext(chunks)
    assert first.choices[0].delta.content == "a"
    with pytest.raises(ProviderFailedError, match="engine died"):
        await anext(chunks)
    await remote.aclose()


async def test_health_reports_an_unreachable_backend() -> None:
    remote = client(f"http://127.0.0.1:{free_port()}")
    health = await remote.health()
    await remote.aclose()
    assert health["status"] == "Error" and "unreachable" in health["message"]


async def test_relay_forwards_the_clients_bytes_renaming_only_the_model(backend) -> None:  # type: ignore[no-untyped-def]
    """Key order, spacing, nulls and fields we do not model reach the backend as the client sent them."""
    seen: list[bytes] = []

    def answer(request: web.Request, body: bytes) -> web.Response:
        seen.append(body)
        return web.json_response(REPLY)

    config = RemoteInferenceConfig(url=await backend(answer), discover_models=False)
    remote = RemoteInference(OpenAIClient(config, "test backend"), config, "remote", {})
    sent = b'{"messages": [{"role": "user", "content": "hi"}],  "model": "alias", "top_k": 3, "seed": null}'
    request = ChatCompletionRequest.model_validate_json(sent)
    relayed = await remote.relay(request, "backend-id", sent)
    assert seen[-1] == sent.replace(b'"alias"', b'"backend-id"')
    assert isinstance(relayed, RelayedJson) and json.loads(relayed.body)["model"] == "alias"
    # a second "model" key (a tool's parameter here): the validated request, serialised again
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"properties": {"model": {}}}}}]
    sent = json.dumps({"model": "alias", "messages": [{"role": "user", "content": "hi"}], "tools": tools}).encode()
    await remote.relay(ChatCompletionRequest.model_validate_json(sent), "backend-id", sent)
    assert json.loads(seen[-1]) == {**json.loads(sent), "model": "backend-id"}
    await remote.shutdown()


async def test_a_redirect_is_not_followed_and_says_where_it_points(backend) -> None:  # type: ignore[no-untyped-def]
    moved = web.Response(status=301, headers={"Location": "https://gpu-box:8443/v1/chat/completions"})
    remote = client(await backend(scripted(moved)))
    with pytest.raises(ProviderFailedError, match=r"redirects \(301\) to https://gpu-box:8443/v1/chat/completions"):
        await remote.post_raw("/chat/completions", b"{}")
    await remote.aclose()
