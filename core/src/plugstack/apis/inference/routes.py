"""HTTP routes of the inference API: one route per Protocol method, one request model each."""

from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

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
from plugstack.apis.inference.protocol import Inference
from plugstack.server.sse import sse_response

# llama-stack-client JSON-decodes every SSE event, and Llama Stack's own server never sends
# OpenAI's `[DONE]`: streams to it end without one (the openai client needs none either).
NO_DONE_SENTINEL_AGENTS = ("LlamaStackClient/", "AsyncLlamaStackClient/")


def _done_sentinel(http: Request) -> bool:
    return not http.headers.get("user-agent", "").startswith(NO_DONE_SENTINEL_AGENTS)


def create_router(impl: Inference) -> APIRouter:
    router = APIRouter(tags=["inference"])

    @router.post("/v1/chat/completions", response_model=ChatCompletion, summary="Create a chat completion")
    async def chat_completions(body: ChatCompletionRequest, http: Request) -> ChatCompletion | StreamingResponse:
        result = await impl.chat_completion(body)
        if isinstance(result, AsyncIterator):
            return await sse_response(result, http.url.path, _done_sentinel(http))
        return result

    @router.post("/v1/completions", response_model=Completion, summary="Create a text completion")
    async def completions(body: CompletionRequest, http: Request) -> Completion | StreamingResponse:
        result = await impl.completion(body)
        if isinstance(result, AsyncIterator):
            return await sse_response(result, http.url.path, _done_sentinel(http))
        return result

    @router.post("/v1/embeddings", response_model=EmbeddingsResponse, summary="Create embeddings")
    async def embeddings(body: EmbeddingsRequest) -> EmbeddingsResponse:
        return await impl.embeddings(body)

    @router.post(
        "/v1alpha/inference/rerank",
        response_model=RerankResponse,
        summary="Rerank items by relevance to a query",
        description="RerankResponse with indices sorted by relevance score (descending).",
    )
    async def rerank(body: RerankRequest) -> RerankResponse:
        return await impl.rerank(body)

    return router
