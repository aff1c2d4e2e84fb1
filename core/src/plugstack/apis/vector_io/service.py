"""`VectorStoreService`: OpenAI vector stores and Llama Stack's vector-io over any `VectorEngine`.

Written once for every engine. Store, file and batch records live in the provider's key-value
store (write-through, cached in memory); chunks and vectors in the engine. A store's index is
created before its record is written and dropped after it is deleted, so start-up removes any
index without a record. Attached files are processed by background tasks (at most
``max_concurrent_ingests`` at a time); a file still ``in_progress`` when the server stopped is
processed again from the start at the next start. An expired store answers 404 from the moment
it expires: it is deleted, chunks and all, when next touched, and by a periodic sweep.
"""

import asyncio
import contextlib
import functools
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from plugstack.apis.files.models import FileRequest
from plugstack.apis.files.protocol import Files
from plugstack.apis.inference.protocol import Inference
from plugstack.apis.models import Model
from plugstack.apis.names import Api
from plugstack.apis.vector_io.ingest import Embedder, ingest_file
from plugstack.apis.vector_io.listing import new_id, page
from plugstack.apis.vector_io.models import (
    AttachFileRequest,
    AttributeMap,
    AutoChunking,
    Chunk,
    ChunkSearch,
    CreateFileBatchRequest,
    CreateVectorStoreRequest,
    FileCounts,
    InsertChunksRequest,
    LastError,
    ListFilesParams,
    ListVectorStoreFilesResponse,
    ScoredChunk,
    StaticChunking,
    StoredChunk,
    TextContent,
    UpdateFileRequest,
    UpdateVectorStoreRequest,
    VectorStore,
    VectorStoreDeleted,
    VectorStoreFile,
    VectorStoreFileBatch,
    VectorStoreFileContent,
    VectorStoreFileDeleted,
)
from plugstack.apis.vector_io.parsing import InvalidFileError, parser_for
from plugstack.apis.vector_io.protocol import VectorEngine
from plugstack.apis.vector_io.ranking import fuse
from plugstack.apis.vector_io.settings import VectorStoreSettings
from plugstack.errors import BadRequestError, NotFoundError, PlugstackError
from plugstack.registry.routing import RoutingTable
from plugstack.spec import ProviderContext
from plugstack.storage.kv import KVStore

log = logging.getLogger(__name__)

STORES = "stores/"
FILES = "files/"  # files/<store id>/<file id>
BATCHES = "batches/"  # batches/<store id>/<batch id>
DAY_S = 86_400
ACTIVITY_RESOLUTION_S = 60  # last_active_at is persisted at most this often
HYBRID_CANDIDATES = 3  # each mode contributes this many times the results asked for


def content_text(content: Any) -> str:
    """The text of InterleavedContent (a string, a content item, or a list of them); images add nothing."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(text for item in content if (text := content_text(item)))
    if isinstance(content, dict) and content.get("type") == "text":
        return str(content.get("text", ""))
    return ""


class VectorStoreService:
    """Implements `VectorStoresProvider` over ``engine``; ``clock`` (Unix seconds) is what tests move."""

    def __init__(
        self,
        engine: VectorEngine,
        *,
        provider_id: str,
        settings: VectorStoreSettings,
        files: Files,
        inference: Inference,
        models: RoutingTable,
        kv: KVStore,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._engine = engine
        self._provider_id = provider_id
        self._settings = settings
        self._files_api = files
        self._embedder = Embedder(inference, settings.embedding_batch_size)
        self._models = models
        self._kv = kv
        self._clock = clock
        self._stores: dict[str, VectorStore] = {}
        self._files: dict[str, dict[str, VectorStoreFile]] = {}
        self._batches: dict[str, dict[str, VectorStoreFileBatch]] = {}
        self._tasks: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._ingest_slots = asyncio.Semaphore(settings.max_concurrent_ingests)
        self._sweeper: asyncio.Task[None] | None = None

    # lifecycle

    async def initialize(self) -> None:
        """Loads the records, drops indexes without a store, resumes files left in progress, starts the sweep."""
        for _, record in await self._kv.items(STORES):
            store = VectorStore.model_validate_json(record)
            self._stores[store.id] = store
            self._files[store.id] = {}
            self._batches[store.id] = {}
        for _, record in await self._kv.items(FILES):
            file = VectorStoreFile.model_validate_json(record)
            self._files.setdefault(file.vector_store_id, {})[file.id] = file
        for _, record in await self._kv.items(BATCHES):
            batch = VectorStoreFileBatch.model_validate_json(record)
            self._batches.setdefault(batch.vector_store_id, {})[batch.id] = batch
        for index_id in await self._engine.index_ids():
            if index_id not in self._stores:
                await self._engine.delete_index(index_id)
        for store_files in self._files.values():
            for file in store_files.values():
                if file.status == "in_progress":
                    self._start_ingest(file)
        self._sweeper = asyncio.create_task(self._sweep_periodically())

    async def _sweep_periodically(self) -> None:
        while True:
            await asyncio.sleep(self._settings.expiry_sweep_interval_s)
            try:
                await self.vector_stores()
            except Exception:
                log.exception("vector_io provider %s: sweeping expired vector stores failed", self._provider_id)

    async def health(self) -> dict[str, Any]:
        """The engine's own check where it has one (a database server can go away), else OK."""
        check = getattr(self._engine, "health", None)
        return await check() if check is not None else {"status": "OK"}

    async def shutdown(self) -> None:
        """Stops the sweep and processing (those files resume at the next start) and closes the engine."""
        tasks = [*self._tasks.values(), *([self._sweeper] if self._sweeper else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._engine.close()

    # records

    def _now(self) -> int:
        return int(self._clock())

    async def _save_store(self, store: VectorStore) -> None:
        await self._kv.set(STORES + store.id, store.model_dump_json())

    async def _save_file(self, file: VectorStoreFile) -> None:
        await self._kv.set(f"{FILES}{file.vector_store_id}/{file.id}", file.model_dump_json())

    async def _save_batch(self, batch: VectorStoreFileBatch) -> None:
        await self._kv.set(f"{BATCHES}{batch.vector_store_id}/{batch.id}", batch.model_dump_json())

    def _expired(self, store: VectorStore) -> bool:
        return store.expires_at is not None and store.expires_at <= self._now()

    async def _store(self, store_id: str) -> VectorStore:
        store = self._stores.get(store_id)
        if store is not None and self._expired(store):
            await self._remove_store(store)
            store = None
        if store is None:
            raise NotFoundError(f"vector store {store_id!r} not found")
        return store

    def _file(self, store_id: str, file_id: str) -> VectorStoreFile:
        file = self._files[store_id].get(file_id)
        if file is None:
            raise NotFoundError(f"file {file_id!r} is not attached to vector store {store_id!r}")
        return file

    def _view(self, store: VectorStore) -> VectorStore:
        """The store with its file counts and usage as they are now."""
        files = list(self._files[store.id].values())
        counts = FileCounts(total=len(files))
        for file in files:
            setattr(counts, file.status, getattr(counts, file.status) + 1)
        return store.model_copy(
            update={
                "file_counts": counts,
                "usage_bytes": sum(file.usage_bytes for file in files),
                "status": "in_progress" if counts.in_progress else "completed",
            }
        )

    async def _touch(self, store: VectorStore) -> None:
        """Records activity, which pushes an expiry back."""
        now = self._now()
        if store.last_active_at is not None and now - store.last_active_at < ACTIVITY_RESOLUTION_S:
            return
        store.last_active_at = now
        if store.expires_after is not None:
            store.expires_at = now + store.expires_after.days * DAY_S
        await self._save_store(store)

    # stores

    def owns(self, vector_store_id: str) -> bool:
        return vector_store_id in self._stores

    async def vector_stores(self) -> list[VectorStore]:
        for store in [store for store in self._stores.values() if self._expired(store)]:
            await self._remove_store(store)
        return [self._view(store) for store in self._stores.values()]

    def _embedding_model(self, requested: str | None) -> Model:
        embedding_models = [m for m in self._models.all() if isinstance(m, Model) and m.model_type == "embedding"]
        name = requested or self._settings.default_embedding_model
        if name is None:
            if len(embedding_models) != 1:
                listed = ", ".join(m.identifier for m in embedding_models) or "none"
                raise BadRequestError(f"embedding_model: name the model to embed with (embedding models: {listed})")
            return embedding_models[0]
        model = next((m for m in self._models.all() if m.identifier == name), None)
        if model is None or not isinstance(model, Model):
            listed = ", ".join(m.identifier for m in embedding_models) or "none"
            raise BadRequestError(f"embedding_model {name!r} is not a registered model; embedding models: {listed}")
        if model.model_type != "embedding":
            raise BadRequestError(f"embedding_model {name!r} is an {model.model_type} model, not an embedding model")
        return model

    async def create_vector_store(self, request: CreateVectorStoreRequest) -> VectorStore:
        model = self._embedding_model(request.embedding_model)
        dimension = int(
            model.metadata.get("embedding_dimension")
            or len((await self._embedder.embed(model.identifier, ["dimension probe"]))[0])
        )
        if request.embedding_dimension is not None and request.embedding_dimension != dimension:
            raise BadRequestError(
                f"embedding_dimension {request.embedding_dimension} does not match model "
                f"{model.identifier!r}, whose vectors have {dimension}"
            )
        files = [await self._attachable(file_id) for file_id in request.file_ids]
        now = self._now()
        store = VectorStore(
            id=new_id("vs_"),
            created_at=now,
            name=request.name,
            expires_after=request.expires_after,
            expires_at=now + request.expires_after.days * DAY_S if request.expires_after else None,
            last_active_at=now,
            metadata=request.metadata,
            embedding_model=model.identifier,
            embedding_dimension=dimension,
            provider_id=self._provider_id,
        )
        await self._engine.create_index(store.id, store.embedding_dimension)
        await self._save_store(store)
        self._stores[store.id], self._files[store.id], self._batches[store.id] = store, {}, {}
        strategy = request.chunking_strategy or AutoChunking()
        for file_id, filename in files:
            await self._attach(store, file_id, filename, {}, strategy, batch_id=None)
        return self._view(store)

    async def retrieve_vector_store(self, vector_store_id: str) -> VectorStore:
        return self._view(await self._store(vector_store_id))

    async def update_vector_store(self, vector_store_id: str, request: UpdateVectorStoreRequest) -> VectorStore:
        store = await self._store(vector_store_id)
        if request.name is not None:
            store.name = request.name
        if request.metadata is not None:
            store.metadata = request.metadata
        if request.expires_after is not None:
            store.expires_after = request.expires_after
            store.last_active_at = None  # so the touch below recomputes the expiry
        await self._touch(store)
        await self._save_store(store)
        return self._view(store)

    async def delete_vector_store(self, vector_store_id: str) -> VectorStoreDeleted:
        await self._remove_store(await self._store(vector_store_id))
        return VectorStoreDeleted(id=vector_store_id)

    async def _remove_store(self, store: VectorStore) -> None:
        for file in list(self._files[store.id].values()):
            await self._stop_ingest(file)
            await self._kv.delete(f"{FILES}{store.id}/{file.id}")
        for batch_id in self._batches[store.id]:
            await self._kv.delete(f"{BATCHES}{store.id}/{batch_id}")
        await self._kv.delete(STORES + store.id)
        del self._stores[store.id], self._files[store.id], self._batches[store.id]
        await self._engine.delete_index(store.id)

    # files

    async def _attachable(self, file_id: str) -> tuple[str, str]:
        """The file's id and name: 404 when /v1/files lacks it, 400 when its type cannot be parsed."""
        file = await self._files_api.retrieve_file(FileRequest(file_id=file_id))
        parser_for(file.filename)
        return file.id, file.filename

    async def _attach(
        self,
        store: VectorStore,
        file_id: str,
        filename: str,
        attributes: AttributeMap,
        strategy: AutoChunking | StaticChunking,
        batch_id: str | None,
    ) -> VectorStoreFile:
        """Attaches (again: the earlier attachment's chunks are replaced) and starts processing."""
        previous = self._files[store.id].get(file_id)
        if previous is not None:
            await self._stop_ingest(previous)
        file = VectorStoreFile(
            id=file_id,
            vector_store_id=store.id,
            created_at=self._now(),
            attributes=attributes,
            chunking_strategy=strategy,
            filename=filename,
            batch_id=batch_id,
        )
        await self._save_file(file)
        self._files[store.id][file_id] = file
        self._start_ingest(file)
        await self._touch(store)
        return file

    async def attach_file(self, vector_store_id: str, request: AttachFileRequest) -> VectorStoreFile:
        store = await self._store(vector_store_id)
        file_id, filename = await self._attachable(request.file_id)
        strategy = request.chunking_strategy or AutoChunking()
        return await self._attach(store, file_id, filename, request.attributes, strategy, batch_id=None)

    async def list_files(self, vector_store_id: str, params: ListFilesParams) -> ListVectorStoreFilesResponse:
        await self._store(vector_store_id)
        return _file_page(self._files[vector_store_id].values(), params)

    async def retrieve_file(self, vector_store_id: str, file_id: str) -> VectorStoreFile:
        await self._store(vector_store_id)
        return self._file(vector_store_id, file_id)

    async def update_file(self, vector_store_id: str, file_id: str, request: UpdateFileRequest) -> VectorStoreFile:
        await self._store(vector_store_id)
        file = self._file(vector_store_id, file_id)
        file.attributes = request.attributes
        await self._engine.set_file_attributes(vector_store_id, file_id, request.attributes)
        await self._save_file(file)
        return file

    async def delete_file(self, vector_store_id: str, file_id: str) -> VectorStoreFileDeleted:
        await self._store(vector_store_id)
        file = self._file(vector_store_id, file_id)
        await self._stop_ingest(file)
        await self._engine.delete_file_chunks(vector_store_id, file_id)
        await self._kv.delete(f"{FILES}{vector_store_id}/{file_id}")
        del self._files[vector_store_id][file_id]
        return VectorStoreFileDeleted(id=file_id)

    async def file_content(self, vector_store_id: str, file_id: str) -> VectorStoreFileContent:
        await self._store(vector_store_id)
        file = self._file(vector_store_id, file_id)
        texts = [TextContent(text=chunk.text) for chunk in await self._engine.file_chunks(vector_store_id, file_id)]
        return VectorStoreFileContent(
            file_id=file_id, filename=file.filename, attributes=file.attributes, content=texts, data=texts
        )

    # processing

    def _start_ingest(self, file: VectorStoreFile) -> None:
        key = (file.vector_store_id, file.id)
        task = asyncio.create_task(self._ingest(file), name=f"ingest {file.vector_store_id}/{file.id}")
        self._tasks[key] = task

        def forget(done: asyncio.Task[None]) -> None:
            if self._tasks.get(key) is done:
                del self._tasks[key]

        task.add_done_callback(forget)

    async def _stop_ingest(self, file: VectorStoreFile) -> None:
        task = self._tasks.pop((file.vector_store_id, file.id), None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _ingest(self, file: VectorStoreFile) -> None:
        """Processes the file; cancelled, it leaves the status to whoever cancelled it."""
        store = self._stores[file.vector_store_id]
        try:
            async with self._ingest_slots:
                await self._engine.delete_file_chunks(store.id, file.id)  # a resumed file starts over
                add = functools.partial(self._engine.add_chunks, store.id)
                file.usage_bytes = await ingest_file(store, file, self._files_api, self._embedder, add)
                file.status = "completed"
        except asyncio.CancelledError:
            raise
        except InvalidFileError as exc:
            file.status, file.last_error = "failed", LastError(code="invalid_file", message=str(exc))
        except Exception as exc:  # noqa: BLE001 - any failure is the file's status, never the server's
            message = exc.detail if isinstance(exc, PlugstackError) else f"{type(exc).__name__}: {exc}"
            log.warning("vector store %s: processing file %s failed: %s", store.id, file.id, message)
            file.status, file.last_error = "failed", LastError(code="server_error", message=message)
        if file.status != "completed":
            await self._engine.delete_file_chunks(store.id, file.id)
        await self._save_file(file)

    # batches

    async def create_file_batch(self, vector_store_id: str, request: CreateFileBatchRequest) -> VectorStoreFileBatch:
        store = await self._store(vector_store_id)
        files = [await self._attachable(file_id) for file_id in dict.fromkeys(request.file_ids)]
        batch = VectorStoreFileBatch(
            id=new_id("vsfb_"), vector_store_id=store.id, created_at=self._now(), file_ids=[f for f, _ in files]
        )
        await self._save_batch(batch)
        self._batches[store.id][batch.id] = batch
        strategy = request.chunking_strategy or AutoChunking()
        for file_id, filename in files:
            await self._attach(store, file_id, filename, request.attributes, strategy, batch_id=batch.id)
        return self._batch_view(batch)

    def _batch(self, store_id: str, batch_id: str) -> VectorStoreFileBatch:
        batch = self._batches[store_id].get(batch_id)
        if batch is None:
            raise NotFoundError(f"file batch {batch_id!r} not found in vector store {store_id!r}")
        return batch

    def _batch_files(self, batch: VectorStoreFileBatch) -> list[VectorStoreFile]:
        """The batch's files that are still attached by it."""
        attached = self._files[batch.vector_store_id]
        return [attached[f] for f in batch.file_ids if f in attached and attached[f].batch_id == batch.id]

    def _batch_view(self, batch: VectorStoreFileBatch) -> VectorStoreFileBatch:
        files = self._batch_files(batch)
        counts = FileCounts(total=len(files))
        for file in files:
            setattr(counts, file.status, getattr(counts, file.status) + 1)
        status = batch.status if batch.status == "cancelled" else "in_progress" if counts.in_progress else "completed"
        return batch.model_copy(update={"file_counts": counts, "status": status})

    async def retrieve_file_batch(self, vector_store_id: str, batch_id: str) -> VectorStoreFileBatch:
        await self._store(vector_store_id)
        return self._batch_view(self._batch(vector_store_id, batch_id))

    async def cancel_file_batch(self, vector_store_id: str, batch_id: str) -> VectorStoreFileBatch:
        await self._store(vector_store_id)
        batch = self._batch(vector_store_id, batch_id)
        for file in self._batch_files(batch):
            if file.status == "in_progress":
                await self._stop_ingest(file)
                await self._engine.delete_file_chunks(vector_store_id, file.id)
                file.status = "cancelled"
                await self._save_file(file)
        batch.status = "cancelled"
        await self._save_batch(batch)
        return self._batch_view(batch)

    async def list_file_batch_files(
        self, vector_store_id: str, batch_id: str, params: ListFilesParams
    ) -> ListVectorStoreFilesResponse:
        await self._store(vector_store_id)
        return _file_page(self._batch_files(self._batch(vector_store_id, batch_id)), params)

    # search and chunks

    async def search(self, request: ChunkSearch) -> list[ScoredChunk]:
        store = await self._store(request.vector_store_id)
        await self._touch(store)
        k = request.max_results
        if request.mode == "keyword":
            results = await self._engine.query_keyword(store.id, request.query, k, request.filters)
        else:
            embedding = (await self._embedder.embed(store.embedding_model, [request.query]))[0]
            if request.mode == "vector":
                results = await self._engine.query_vector(store.id, embedding, k, request.filters)
            else:
                candidates = k * HYBRID_CANDIDATES
                vector = await self._engine.query_vector(store.id, embedding, candidates, request.filters)
                keyword = await self._engine.query_keyword(store.id, request.query, candidates, request.filters)
                results = fuse(vector, keyword, request.ranker)
        threshold = request.score_threshold
        return [r for r in results if threshold is None or r.score >= threshold][:k]

    async def insert_chunks(self, request: InsertChunksRequest) -> None:
        store = await self._store(request.vector_db_id)
        stored = [_stored_chunk(chunk) for chunk in request.chunks]
        for index, chunk in enumerate(request.chunks):
            if chunk.embedding is not None and len(chunk.embedding) != store.embedding_dimension:
                raise BadRequestError(
                    f"chunks[{index}].embedding has {len(chunk.embedding)} dimensions; vector store "
                    f"{store.id!r} holds {store.embedding_dimension} ({store.embedding_model})"
                )
        missing = [index for index, chunk in enumerate(request.chunks) if chunk.embedding is None]
        computed = (
            await self._embedder.embed(store.embedding_model, [stored[i].text for i in missing]) if missing else []
        )
        embeddings = [chunk.embedding for chunk in request.chunks]
        for index, vector in zip(missing, computed, strict=True):
            embeddings[index] = vector
        await self._engine.add_chunks(store.id, stored, embeddings)  # type: ignore[arg-type]
        await self._touch(store)


async def start_service(
    engine: VectorEngine, settings: VectorStoreSettings, context: ProviderContext
) -> VectorStoreService:
    """A vector_io provider's instance over ``engine``, initialised: what every engine's factory returns."""
    service = VectorStoreService(
        engine,
        provider_id=context.provider_id,
        settings=settings,
        files=context.deps[Api.files],
        inference=context.deps[Api.inference],
        models=context.registry["models"],
        kv=context.kv,
    )
    await service.initialize()
    return service


def _stored_chunk(chunk: Chunk) -> StoredChunk:
    """A vector-io chunk as stored: its id from wherever the client put it, else a new one."""
    chunk_metadata = dict(chunk.chunk_metadata or {})
    chunk_id = (
        chunk.stored_chunk_id or chunk.metadata.get("chunk_id") or chunk_metadata.get("chunk_id") or uuid.uuid4().hex
    )
    chunk_metadata["chunk_id"] = chunk_id
    scalars = {key: value for key, value in chunk.metadata.items() if isinstance(value, str | bool | int | float)}
    return StoredChunk(
        chunk_id=str(chunk_id),
        text=content_text(chunk.content),
        content=chunk.content,
        metadata=chunk.metadata,
        chunk_metadata=chunk_metadata,
        attributes=scalars,
    )


def _file_page(files: Iterable[VectorStoreFile], params: ListFilesParams) -> ListVectorStoreFilesResponse:
    chosen = [file for file in files if params.filter in (None, file.status)]
    data, has_more = page(chosen, params, key=lambda file: file.id)
    return ListVectorStoreFilesResponse(
        data=data, has_more=has_more, first_id=data[0].id if data else None, last_id=data[-1].id if data else None
    )
