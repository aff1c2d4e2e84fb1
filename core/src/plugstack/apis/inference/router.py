"""Routes each inference call to the provider that serves its model."""

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any, TypeVar

from pydantic import BaseModel

from plugstack.apis.inference.limits import check_within_context
from plugstack.apis.inference.models import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    Completion,
    CompletionRequest,
    EmbeddingsRequest,
    EmbeddingsResponse,
    RerankRequest,
    RerankResponse,
)
from plugstack.errors import BadRequestError
from plugstack.registry.routing import RoutingTable
from plugstack.remote.relay import Relayed, RelayRequest, relays

Request = TypeVar("Request", ChatCompletionRequest, CompletionRequest, EmbeddingsRequest, RerankRequest)


class InferenceRouter:
    """Implements `Inference` by looking each model up in the model routing table."""

    def __init__(self, models: RoutingTable) -> None:
        self._models = models

    def _provider(self, request: Request, model_type: str) -> tuple[Any, str]:
        """The provider serving ``request.model``, and its id for the model."""
        model, provider = self._models.route(request.model)
        if getattr(model, "model_type", "llm") != model_type:
            raise BadRequestError(f"model {request.model!r} is an {model.model_type} model, not {model_type}")  # type: ignore[attr-defined]
        return provider, model.provider_resource_id or model.identifier

    def _route(self, request: Request, model_type: str) -> tuple[Any, Request]:
        provider, provider_model = self._provider(request, model_type)
        return provider, request.model_copy(update={"model": provider_model})

    async def relay(self, request: RelayRequest, body: bytes | None = None) -> Relayed | None:
        """The HTTP routes' fast path: when the model's provider relays (a remote OpenAI-compatible
        server), its reply as bytes, naming the model as the client did; otherwise None.
        ``body``: the request's JSON as the client sent it, forwarded as it is but for the model."""
        model_type = "embedding" if isinstance(request, EmbeddingsRequest) else "llm"
        provider, provider_model = self._provider(request, model_type)
        if not relays(provider):
            return None
        return await provider.relay(request, provider_model, body)

    async def chat_completion(
        self, request: ChatCompletionRequest
    ) -> ChatCompletion | AsyncIterator[ChatCompletionChunk]:
        provider, routed = self._route(request, "llm")
        _check_context(provider, routed)
        return _named(await provider.chat_completion(routed), request.model)

    async def completion(self, request: CompletionRequest) -> Completion | AsyncIterator[Completion]:
        provider, routed = self._route(request, "llm")
        _check_context(provider, routed)
        return _named(await provider.completion(routed), request.model)

    async def embeddings(self, request: EmbeddingsRequest) -> EmbeddingsResponse:
        provider, routed = self._route(request, "embedding")
        return _named(await provider.embeddings(routed), request.model)

    async def rerank(self, request: RerankRequest) -> RerankResponse:
        """Rerank runs on embedding models: a bi-encoder scores by similarity, a cross-encoder directly."""
        provider, routed = self._route(request, "embedding")
        rerank = getattr(provider, "rerank", None)
        if rerank is None:
            raise BadRequestError(f"model {request.model!r} is served by a provider that cannot rerank")
        response: RerankResponse = await rerank(routed)
        return response


def _check_context(provider: Any, routed: ChatCompletionRequest | CompletionRequest) -> None:
    """Providers that know a model's context (``context_length(model)``) get only requests that can fit it."""
    context_length = getattr(provider, "context_length", None)
    tokens = context_length(routed.model) if context_length is not None else None
    if tokens is not None:
        check_within_context(routed, tokens)


Named = TypeVar("Named", bound=BaseModel)


def _named(result: Named | AsyncIterator[Named], model: str) -> Named | AsyncIterator[Named]:
    """Responses name the model as the client did, not by the provider's id for it."""
    if isinstance(result, AsyncIterator):
        return _named_stream(result, model)
    result.model = model  # type: ignore[attr-defined]
    return result


async def _named_stream(chunks: AsyncIterator[Named], model: str) -> AsyncIterator[Named]:
    async with aclosing(chunks):  # type: ignore[type-var]
        async for chunk in chunks:
            chunk.model = model  # type: ignore[attr-defined]
            yield chunk
