"""The inference API over an OpenAI-compatible server: what every remote adapter is made of.

An adapter (``remote::vllm`` and later ones) is this class plus its own config and name;
only what a backend does differently (model metadata, say) is overridden. Requests pass
through unchanged but for the model id. The HTTP routes take `relay`: the client's own JSON
goes to the backend and the backend's bytes come back as they are, the model id renamed both
ways; in-process callers send and get models.

Model discovery: the stack's model routing table calls ``list_resources("model")`` when it
loads, and the adapter asks the table to refresh every ``discovery_interval_s``, so a backend
that was down at start-up has its models served once it is up.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing
from typing import Any

from plugstack.apis.inference.models import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    Completion,
    CompletionRequest,
    EmbeddingsRequest,
    EmbeddingsResponse,
    SamplingParams,
)
from plugstack.errors import BadRequestError, PlugstackError
from plugstack.registry.resources import Resource
from plugstack.remote.config import RemoteInferenceConfig
from plugstack.remote.openai_client import OpenAIClient, encode
from plugstack.remote.relay import Relayed, RelayedJson, RelayedStream, RelayRequest
from plugstack.remote.rename import StreamRenamer, rename_model

log = logging.getLogger(__name__)

MODELS_TABLE = "models"
# Entries of the backend's /models copied into the model's metadata when present.
_DISCOVERED_FIELDS = ("owned_by", "max_model_len", "root", "parent")


class RemoteInference:
    """Implements the inference Protocol by forwarding to an OpenAI-compatible server."""

    def __init__(
        self, client: OpenAIClient, config: RemoteInferenceConfig, provider_id: str, registry: Mapping[str, Any]
    ) -> None:
        self.client = client
        self.config = config
        self.provider_id = provider_id
        self._registry = registry
        self._refresher: asyncio.Task[None] | None = None

    async def initialize(self) -> None:
        """Start the periodic model refresh (the routing table does the first listing itself)."""
        if self.config.discover_models and self.config.discovery_interval_s > 0:
            self._refresher = asyncio.create_task(self._refresh_models(), name=f"{self.provider_id}-model-refresh")

    async def shutdown(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher
        await self.client.aclose()

    async def _refresh_models(self) -> None:
        while True:
            await asyncio.sleep(self.config.discovery_interval_s)
            table = self._registry.get(MODELS_TABLE)
            if table is None:
                continue
            try:
                await table.refresh(self.provider_id)
            except Exception:
                log.exception("%s: model refresh failed", self.provider_id)

    # -- registry hooks -------------------------------------------------------------------

    async def list_resources(self, kind: str) -> list[dict[str, Any]]:
        """The backend's models as model registrations (the routing table validates them)."""
        if kind != "model" or not self.config.discover_models:
            return []
        entries = await self.client.list_models(timeout_s=self.config.connect_timeout_s)
        return [
            {
                "model_id": entry["id"],
                "provider_model_id": entry["id"],
                "model_type": "llm",
                "metadata": {key: entry[key] for key in _DISCOVERED_FIELDS if entry.get(key) is not None},
            }
            for entry in entries
        ]

    async def register_resource(self, resource: Resource) -> Resource:
        """Check a registered model against the backend when it can be asked; a backend that
        is down accepts the registration (calls answer 503 until it is back)."""
        if resource.type != "model":
            return resource
        try:
            served = {entry["id"] for entry in await self.client.list_models(timeout_s=self.config.connect_timeout_s)}
        except PlugstackError as exc:
            log.warning("%s: cannot check model %r now: %s", self.provider_id, resource.identifier, exc.detail)
            return resource
        wanted = resource.provider_resource_id or resource.identifier
        if wanted not in served:
            listed = ", ".join(sorted(served)) or "none"
            raise BadRequestError(f"{self.client.name} does not serve model {wanted!r}; it serves: {listed}")
        return resource

    # -- the inference API ----------------------------------------------------------------

    def _path(self, request: RelayRequest) -> str:
        """The backend path for ``request``, once it is known the backend can take it."""
        if isinstance(request, ChatCompletionRequest):
            if request.response_format is not None and request.response_format.type == "grammar":
                raise BadRequestError(
                    f"response_format: {self.client.name} is reached through the OpenAI API, which has no grammars"
                )
            return "/chat/completions"
        return "/completions" if isinstance(request, CompletionRequest) else "/embeddings"

    async def relay(self, request: RelayRequest, backend_model: str, body: bytes | None = None) -> Relayed:
        path = self._path(request)
        # The client's own JSON with the model renamed, when the model member is found unambiguously;
        # otherwise the validated request, serialised again.
        if body is not None and body.count(b'"model"') == 1:
            content = rename_model(body, backend_model)
        else:
            content = encode(request.model_copy(update={"model": backend_model}))
        if isinstance(request, SamplingParams) and request.stream:
            return RelayedStream(_renamed(await self.client.stream_raw(path, content), request.model))
        return RelayedJson(rename_model(await self.client.post_raw(path, content), request.model))

    async def chat_completion(
        self, request: ChatCompletionRequest
    ) -> ChatCompletion | AsyncIterator[ChatCompletionChunk]:
        path = self._path(request)
        if request.stream:
            return await self.client.stream(path, request, ChatCompletionChunk)
        return await self.client.post(path, request, ChatCompletion)

    async def completion(self, request: CompletionRequest) -> Completion | AsyncIterator[Completion]:
        path = self._path(request)
        if request.stream:
            return await self.client.stream(path, request, Completion)
        return await self.client.post(path, request, Completion)

    async def embeddings(self, request: EmbeddingsRequest) -> EmbeddingsResponse:
        return await self.client.post("/embeddings", request, EmbeddingsResponse)

    async def health(self) -> dict[str, Any]:
        return await self.client.health()


async def _renamed(payloads: AsyncIterator[bytes], name: str) -> AsyncIterator[bytes]:
    rename = StreamRenamer(name)
    async with aclosing(payloads):  # type: ignore[type-var]
        async for payload in payloads:
            yield rename(payload)
