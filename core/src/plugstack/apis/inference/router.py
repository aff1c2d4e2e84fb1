"""Routes each inference call to the provider that serves its model."""

from collections.abc import AsyncIterator
from typing import TypeVar

from plugstack.apis.inference.models import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    Completion,
    CompletionRequest,
    EmbeddingsRequest,
    EmbeddingsResponse,
)
from plugstack.apis.inference.protocol import Inference
from plugstack.errors import BadRequestError
from plugstack.registry.routing import RoutingTable

Request = TypeVar("Request", ChatCompletionRequest, CompletionRequest, EmbeddingsRequest)


class InferenceRouter:
    """Implements `Inference` by looking each model up in the model routing table."""

    def __init__(self, models: RoutingTable) -> None:
        self._models = models

    def _route(self, request: Request, model_type: str) -> tuple[Inference, Request]:
        model, provider = self._models.route(request.model)
        if getattr(model, "model_type", "llm") != model_type:
            raise BadRequestError(f"model {request.model!r} is an {model.model_type} model, not {model_type}")  # type: ignore[attr-defined]
        return provider, request.model_copy(update={"model": model.provider_resource_id or model.identifier})

    async def chat_completion(
        self, request: ChatCompletionRequest
    ) -> ChatCompletion | AsyncIterator[ChatCompletionChunk]:
        provider, routed = self._route(request, "llm")
        return await provider.chat_completion(routed)

    async def completion(self, request: CompletionRequest) -> Completion | AsyncIterator[Completion]:
        provider, routed = self._route(request, "llm")
        return await provider.completion(routed)

    async def embeddings(self, request: EmbeddingsRequest) -> EmbeddingsResponse:
        provider, routed = self._route(request, "embedding")
        return await provider.embeddings(routed)
