"""What an inference provider implements. The router implements it too, over all providers.

A request with ``stream=True`` returns an async iterator of chunks; otherwise one response.
The router passes requests whose ``model`` is already the provider's own model id.
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
)


class Inference(Protocol):
    async def chat_completion(
        self, request: ChatCompletionRequest
    ) -> ChatCompletion | AsyncIterator[ChatCompletionChunk]: ...

    async def completion(self, request: CompletionRequest) -> Completion | AsyncIterator[Completion]: ...

    async def embeddings(self, request: EmbeddingsRequest) -> EmbeddingsResponse: ...
