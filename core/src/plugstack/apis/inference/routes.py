"""HTTP routes of the inference API: one route per Protocol method, one request model each.

Chat, completions and embeddings ask the router to relay first: a model served by a remote
OpenAI-compatible server gets the backend's reply bytes as they came (model id aside), with
no response model built; the declared response models still document the routes.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, Response

from plugstack.apis.inference.batch_inference import batch_chat_completion, batch_completion
from plugstack.apis.inference.batch_models import (
    BatchChatCompletionRequest,
    BatchChatCompletionResponse,
    BatchCompletionRequest,
    BatchCompletionResponse,
)
from plugstack.apis.inference.disconnect import cancel_on_disconnect
from plugstack.apis.inference.models import (
    ChatCompletion,
    ChatCompletionRequest,
    Completion,
    CompletionRequest,
    EmbeddingsRequest,
    EmbeddingsResponse,
    RerankRequest,
    RerankResponse,
)
from plugstack.apis.inference.router import InferenceRouter
from plugstack.remote.relay import Relayed, RelayedJson, RelayRequest
from plugstack.server.sse import relayed_sse_response, sse_response

# llama-stack-client JSON-decodes every SSE event, and Llama Stack's own server never sends
# OpenAI's `[DONE]`: streams to it end without one (the openai client needs none either).
NO_DONE_SENTINEL_AGENTS = ("LlamaStackClient/", "AsyncLlamaStackClient/")


def _done_sentinel(http: Request) -> bool:
    return not http.headers.get("user-agent", "").startswith(NO_DONE_SENTINEL_AGENTS)


async def _relayed(relayed: Relayed, http: Request) -> Response:
    if isinstance(relayed, RelayedJson):
        return Response(relayed.body, media_type="application/json")
    return await relayed_sse_response(relayed.events, http.scope["path"], _done_sentinel(http))


async def _generate(
    impl: InferenceRouter, body: RelayRequest, http: Request, generate: Callable[[Any], Awaitable[Any]]
) -> Any:
    """A chat or text completion: relayed when a remote backend serves the model, else generated
    (cancelled when the client goes away), streamed as SSE when asked to."""
    relayed = await impl.relay(body)
    if relayed is not None:
        return await _relayed(relayed, http)
    result = await cancel_on_disconnect(http, generate(body))
    if isinstance(result, Response):
        return result
    if isinstance(result, AsyncIterator):
        return await sse_response(result, http.scope["path"], _done_sentinel(http))
    return result


def create_router(impl: InferenceRouter) -> APIRouter:
    router = APIRouter(tags=["inference"])

    @router.post("/v1/chat/completions", response_model=ChatCompletion, summary="Create a chat completion")
    async def chat_completions(body: ChatCompletionRequest, http: Request) -> ChatCompletion | Response:
        return await _generate(impl, body, http, impl.chat_completion)

    @router.post("/v1/completions", response_model=Completion, summary="Create a text completion")
    async def completions(body: CompletionRequest, http: Request) -> Completion | Response:
        return await _generate(impl, body, http, impl.completion)

    @router.post("/v1/embeddings", response_model=EmbeddingsResponse, summary="Create embeddings")
    async def embeddings(body: EmbeddingsRequest, http: Request) -> EmbeddingsResponse | Response:
        relayed = await impl.relay(body)
        if relayed is not None:
            return await _relayed(relayed, http)
        return await impl.embeddings(body)

    @router.post(
        "/v1alpha/inference/rerank",
        response_model=RerankResponse,
        summary="Rerank items by relevance to a query",
        description="RerankResponse with indices sorted by relevance score (descending).",
    )
    async def rerank(body: RerankRequest) -> RerankResponse:
        return await impl.rerank(body)

    @router.post(
        "/v1/inference/batch-completion",
        response_model=BatchCompletionResponse,
        summary="Complete several prompts with one model (Llama Stack 0.2)",
    )
    async def batch_completions(body: BatchCompletionRequest) -> BatchCompletionResponse:
        return await batch_completion(impl, body)

    @router.post(
        "/v1/inference/batch-chat-completion",
        response_model=BatchChatCompletionResponse,
        summary="Answer several conversations with one model (Llama Stack 0.2)",
    )
    async def batch_chat_completions(body: BatchChatCompletionRequest) -> BatchChatCompletionResponse:
        return await batch_chat_completion(impl, body)

    return router
