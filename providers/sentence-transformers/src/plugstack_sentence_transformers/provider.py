"""`inline::sentence-transformers`: OpenAI embeddings, and seed-002 rerank by cosine similarity.

A bi-encoder ranks by the cosine similarity of the query's and each item's embeddings:
real relevance scores, from the same model that serves /v1/embeddings, with nothing more to
download. Encoding runs on the model's worker thread, never on the event loop.
"""

import asyncio
import base64
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sentence_transformers import SentenceTransformer

from plugstack.apis.inference.model_files import is_location, resolve_model_path
from plugstack.apis.inference.models import (
    ChatCompletionRequest,
    CompletionRequest,
    Embedding,
    EmbeddingsRequest,
    EmbeddingsResponse,
    RerankData,
    RerankInput,
    RerankRequest,
    RerankResponse,
    TextPart,
    Usage,
)
from plugstack.apis.inference.worker import ModelWorker
from plugstack.errors import BadRequestError
from plugstack.registry.resources import Resource
from plugstack_sentence_transformers.config import EmbeddingModelConfig, SentenceTransformersConfig


@dataclass
class LoadedModel:
    model: SentenceTransformer
    worker: ModelWorker
    identifiers: set[str] = field(default_factory=set)

    @property
    def dimension(self) -> int:
        # sentence-transformers 6 renamed get_sentence_embedding_dimension (now deprecated).
        dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(dimension() or 0)


@dataclass(frozen=True)
class Encoded:
    vectors: np.ndarray  # (texts, dimension) float32, unit length
    tokens: int


class SentenceTransformersInference:
    def __init__(self, config: SentenceTransformersConfig, provider_id: str) -> None:
        self.config = config
        self.provider_id = provider_id
        self._models: dict[str, LoadedModel] = {}
        self._lock = asyncio.Lock()

    # -- registration ---------------------------------------------------------------------

    def _model_config(self, resource: Resource) -> tuple[EmbeddingModelConfig, str]:
        name = resource.provider_resource_id or resource.identifier
        configured = {model.model_id: model for model in self.config.models}
        if name in configured:
            return configured[name], "path"
        location = resource.metadata.get("path") or (name if is_location(name) or name.startswith(("/", "~")) else None)
        if location is None:
            listed = ", ".join(sorted(configured)) or "none"
            raise BadRequestError(
                f"provider_model_id {name!r} is not a model of provider {self.provider_id!r} (configured: {listed}); "
                "give the model directory as metadata.path, or a path / pkg:// URI as provider_model_id"
            )
        return EmbeddingModelConfig(model_id=name, path=str(location)), "metadata.path"

    async def register_resource(self, resource: Resource) -> Resource:
        model_type = getattr(resource, "model_type", "llm")
        if model_type != "embedding":
            raise BadRequestError(
                f"model_type: inline::sentence-transformers serves embedding models, not {model_type!r}"
            )
        spec, field_name = self._model_config(resource)
        async with self._lock:
            loaded = self._models.get(spec.model_id)
            if loaded is None:
                path = resolve_model_path(spec.path, field_name, directory=True)
                worker = ModelWorker(spec.model_id, self.config.max_queue)
                model = await worker.call(lambda: SentenceTransformer(str(path), device="cpu"))
                loaded = self._models[spec.model_id] = LoadedModel(model, worker)
            declared = resource.metadata.get("embedding_dimension")
            if declared is not None and declared != loaded.dimension:
                if not loaded.identifiers:
                    await self._models.pop(spec.model_id).worker.close()
                raise BadRequestError(
                    f"metadata.embedding_dimension: {declared} given, but {spec.model_id!r} makes {loaded.dimension}"
                )
            loaded.identifiers.add(resource.identifier)
        return resource

    async def unregister_resource(self, resource: Resource) -> None:
        name = resource.provider_resource_id or resource.identifier
        async with self._lock:
            loaded = self._models.get(name)
            if loaded is not None:
                loaded.identifiers.discard(resource.identifier)
                if not loaded.identifiers:
                    del self._models[name]
                    await loaded.worker.close()

    async def health(self) -> dict[str, Any]:
        return {"status": "OK", "message": f"{len(self._models)} model(s) loaded"}

    async def shutdown(self) -> None:
        for loaded in self._models.values():
            await loaded.worker.close()
        self._models.clear()

    # -- embeddings and rerank -------------------------------------------------------------

    def _loaded(self, name: str) -> LoadedModel:
        loaded = self._models.get(name)
        if loaded is None:
            raise BadRequestError(f"model: {name!r} is not loaded in provider {self.provider_id!r}")
        return loaded

    async def _encode(self, loaded: LoadedModel, texts: list[str]) -> Encoded:
        def work() -> Encoded:
            vectors = loaded.model.encode(
                texts, batch_size=self.config.batch_size, normalize_embeddings=True, convert_to_numpy=True
            )
            tokens = sum(len(ids) for ids in loaded.model.tokenizer(texts)["input_ids"])
            return Encoded(np.asarray(vectors, dtype=np.float32), tokens)

        return await loaded.worker.call(work)

    async def embeddings(self, request: EmbeddingsRequest) -> EmbeddingsResponse:
        loaded = self._loaded(request.model)
        if request.dimensions is not None and request.dimensions > loaded.dimension:
            raise BadRequestError(f"dimensions: {request.model!r} makes {loaded.dimension}-dimensional embeddings")
        encoded = await self._encode(loaded, request.texts())
        vectors = encoded.vectors
        if request.dimensions is not None and request.dimensions < loaded.dimension:
            vectors = vectors[:, : request.dimensions]
            vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        data = [
            Embedding(index=i, embedding=_encode_vector(vector, request.encoding_format))
            for i, vector in enumerate(vectors)
        ]
        return EmbeddingsResponse(data=data, model=request.model, usage=Usage.of(encoded.tokens, 0))

    async def rerank(self, request: RerankRequest) -> RerankResponse:
        loaded = self._loaded(request.model)
        query = _text(request.query, "query")
        items = [_text(item, f"items[{i}]") for i, item in enumerate(request.items)]
        encoded = await self._encode(loaded, [query, *items])
        scores = encoded.vectors[1:] @ encoded.vectors[0]
        order = np.argsort(-scores, kind="stable")[: request.max_num_results]
        return RerankResponse(data=[RerankData(index=int(i), relevance_score=float(scores[i])) for i in order])

    # -- not served here ----------------------------------------------------------------------

    async def chat_completion(self, request: ChatCompletionRequest) -> Any:
        raise BadRequestError("model: inline::sentence-transformers serves no chat models")

    async def completion(self, request: CompletionRequest) -> Any:
        raise BadRequestError("model: inline::sentence-transformers serves no completion models")


def _encode_vector(vector: np.ndarray, encoding_format: str) -> list[float] | str:
    """OpenAI's base64 format is the little-endian float32 bytes, base64-encoded."""
    if encoding_format == "base64":
        return base64.b64encode(vector.astype("<f4").tobytes()).decode()
    return [float(x) for x in vector.tolist()]


def _text(value: RerankInput, field_name: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, TextPart):
        return value.text
    raise BadRequestError(f"{field_name}: inline::sentence-transformers ranks text, not images")
