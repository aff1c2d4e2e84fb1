"""What an inference provider implements. The router implements it too, over all providers.

A request with ``stream=True`` returns an async iterator of chunks; otherwise one response.
The router passes requests whose ``model`` is already the provider's own model id. A
provider that cannot do one of these raises `BadRequestError` saying so; a provider written
before `rerank` existed may leave it out (the router answers 400 for it).
"""

from collections.abc import AsyncIterator
from typing import Protocol

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


class Inference(Protocol):
    async def chat_completion(
        self, request: ChatCompletionRequest
    ) -> ChatCompletion | AsyncIterator[ChatCompletionChunk]: ...

    async def completion(self, request: CompletionRequest) -> Completion | AsyncIterator[Completion]: ...

    async def embeddings(self, request: EmbeddingsRequest) -> EmbeddingsResponse: ...

    async def rerank(self, request: RerankRequest) -> RerankResponse: ...
