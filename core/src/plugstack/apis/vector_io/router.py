"""Routes each vector store to the provider that holds it, and serves the two HTTP searches.

A store is created in the provider the request names, else in the first vector_io provider of
run.yaml. Store ids name no provider: the router asks each provider whether it holds the id.
Both HTTP searches (OpenAI's ``/vector_stores/{id}/search`` and Llama Stack's
``/vector-io/query``) are translations of one in-process ``search``, so every provider serves
them the same way.
"""

from plugstack.access import ownership
from plugstack.access.policy import Action
from plugstack.apis.vector_io.listing import page
from plugstack.apis.vector_io.models import (
    AttachFileRequest,
    Chunk,
    ChunkSearch,
    CreateFileBatchRequest,
    CreateVectorStoreRequest,
    InsertChunksRequest,
    ListFilesParams,
    ListParams,
    ListVectorStoreFilesResponse,
    ListVectorStoresResponse,
    QueryChunksRequest,
    QueryChunksResponse,
    Ranker,
    RRFRanker,
    ScoredChunk,
    SearchResultItem,
    SearchVectorStoreBody,
    SearchVectorStoreResponse,
    TextContent,
    UpdateFileRequest,
    UpdateVectorStoreRequest,
    VectorStore,
    VectorStoreDeleted,
    VectorStoreFile,
    VectorStoreFileBatch,
    VectorStoreFileContent,
    VectorStoreFileDeleted,
    WeightedRanker,
)
from plugstack.apis.vector_io.protocol import VectorStoresProvider
from plugstack.apis.vector_io.service import content_text
from plugstack.errors import BadRequestError, NotFoundError
from plugstack.registry.handles import ProviderHandle

# OpenAI's ranking_options.ranker values, and the fusion rankers by name (hybrid search).
_DEFAULT_RANKERS = (None, "auto", "default-2024-11-15", "none")
_FUSION_RANKERS: dict[str, Ranker] = {"rrf": RRFRanker(), "weighted": WeightedRanker()}
KIND = "vector_store"


class VectorIORouter:
    """Implements `VectorIO` over the stack's vector_io providers. With auth on, a store is its
    creator's: reading and searching it needs read, changing it or its files update."""

    def __init__(self, handles: list[ProviderHandle]) -> None:
        self._handles = handles

    def _running(self) -> list[VectorStoresProvider]:
        return [handle.impl for handle in self._handles if handle.impl is not None]

    def _holder(self, vector_store_id: str) -> VectorStoresProvider:
        for provider in self._running():
            if provider.owns(vector_store_id):
                return provider
        raise NotFoundError(f"vector store {vector_store_id!r} not found")

    async def _allowed(self, vector_store_id: str, action: Action) -> VectorStoresProvider:
        """The store's provider, once the caller may ``action`` it (404 before 403, like a missing store)."""
        await ownership.require(KIND, vector_store_id, action, lambda: self._exists(vector_store_id))
        return self._holder(vector_store_id)

    async def _exists(self, vector_store_id: str) -> None:
        self._holder(vector_store_id)

    @staticmethod
    async def _readable_files(file_ids: list[str]) -> None:
        for file_id in file_ids:
            await ownership.require("file", file_id, "read")

    # stores

    async def create_vector_store(self, request: CreateVectorStoreRequest) -> VectorStore:
        if request.provider_id is None:
            handle = self._handles[0]  # the config checks give every listed API a provider
        else:
            handle = next((h for h in self._handles if h.provider_id == request.provider_id), None)
            if handle is None:
                available = ", ".join(h.provider_id for h in self._handles)
                raise BadRequestError(f"provider_id {request.provider_id!r} is not a vector_io provider; {available}")
        provider: VectorStoresProvider = handle.require()
        await ownership.check_create(KIND)
        await self._readable_files(request.file_ids)
        store = await provider.create_vector_store(request)
        await ownership.record_created(KIND, store.id)
        return store

    async def list_vector_stores(self, params: ListParams) -> ListVectorStoresResponse:
        stores = [store for provider in self._running() for store in await provider.vector_stores()]
        stores = await ownership.readable(KIND, stores, lambda store: store.id)
        data, has_more = page(stores, params, key=lambda store: store.id)
        return ListVectorStoresResponse(
            data=data, has_more=has_more, first_id=data[0].id if data else None, last_id=data[-1].id if data else None
        )

    async def retrieve_vector_store(self, vector_store_id: str) -> VectorStore:
        return await (await self._allowed(vector_store_id, "read")).retrieve_vector_store(vector_store_id)

    async def update_vector_store(self, vector_store_id: str, request: UpdateVectorStoreRequest) -> VectorStore:
        return await (await self._allowed(vector_store_id, "update")).update_vector_store(vector_store_id, request)

    async def delete_vector_store(self, vector_store_id: str) -> VectorStoreDeleted:
        deleted = await (await self._allowed(vector_store_id, "delete")).delete_vector_store(vector_store_id)
        await ownership.forget(KIND, vector_store_id)
        return deleted

    # files

    async def attach_file(self, vector_store_id: str, request: AttachFileRequest) -> VectorStoreFile:
        provider = await self._allowed(vector_store_id, "update")
        await self._readable_files([request.file_id])
        return await provider.attach_file(vector_store_id, request)

    async def list_files(self, vector_store_id: str, params: ListFilesParams) -> ListVectorStoreFilesResponse:
        return await (await self._allowed(vector_store_id, "read")).list_files(vector_store_id, params)

    async def retrieve_file(self, vector_store_id: str, file_id: str) -> VectorStoreFile:
        return await (await self._allowed(vector_store_id, "read")).retrieve_file(vector_store_id, file_id)

    async def update_file(self, vector_store_id: str, file_id: str, request: UpdateFileRequest) -> VectorStoreFile:
        provider = await self._allowed(vector_store_id, "update")
        return await provider.update_file(vector_store_id, file_id, request)

    async def delete_file(self, vector_store_id: str, file_id: str) -> VectorStoreFileDeleted:
        return await (await self._allowed(vector_store_id, "update")).delete_file(vector_store_id, file_id)

    async def file_content(self, vector_store_id: str, file_id: str) -> VectorStoreFileContent:
        return await (await self._allowed(vector_store_id, "read")).file_content(vector_store_id, file_id)

    async def create_file_batch(self, vector_store_id: str, request: CreateFileBatchRequest) -> VectorStoreFileBatch:
        provider = await self._allowed(vector_store_id, "update")
        await self._readable_files(request.file_ids)
        return await provider.create_file_batch(vector_store_id, request)

    async def retrieve_file_batch(self, vector_store_id: str, batch_id: str) -> VectorStoreFileBatch:
        return await (await self._allowed(vector_store_id, "read")).retrieve_file_batch(vector_store_id, batch_id)

    async def cancel_file_batch(self, vector_store_id: str, batch_id: str) -> VectorStoreFileBatch:
        return await (await self._allowed(vector_store_id, "update")).cancel_file_batch(vector_store_id, batch_id)

    async def list_file_batch_files(
        self, vector_store_id: str, batch_id: str, params: ListFilesParams
    ) -> ListVectorStoreFilesResponse:
        provider = await self._allowed(vector_store_id, "read")
        return await provider.list_file_batch_files(vector_store_id, batch_id, params)

    # search and chunks

    async def search(self, request: ChunkSearch) -> list[ScoredChunk]:
        return await (await self._allowed(request.vector_store_id, "read")).search(request)

    async def insert_chunks(self, request: InsertChunksRequest) -> None:
        await (await self._allowed(request.vector_db_id, "update")).insert_chunks(request)

    async def search_vector_store(
        self, vector_store_id: str, request: SearchVectorStoreBody
    ) -> SearchVectorStoreResponse:
        query = request.query if isinstance(request.query, str) else " ".join(request.query)
        ranking = request.ranking_options
        name = ranking.ranker if ranking is not None else None
        if name not in _DEFAULT_RANKERS and name not in _FUSION_RANKERS:
            known = ", ".join([*(r for r in _DEFAULT_RANKERS if r), *_FUSION_RANKERS])
            raise BadRequestError(f"ranking_options.ranker: {name!r} is not one of {known}")
        results = await self.search(
            ChunkSearch(
                vector_store_id=vector_store_id,
                query=_query_text(query),
                mode=request.search_mode,
                max_results=request.max_num_results,
                filters=request.filters,
                score_threshold=ranking.score_threshold if ranking is not None else None,
                ranker=_FUSION_RANKERS.get(name or ""),
            )
        )
        data = [
            SearchResultItem(
                file_id=r.chunk.file_id or str(r.chunk.metadata.get("document_id", "")),
                filename=str(r.chunk.metadata.get("filename", "")),
                score=r.score,
                attributes=r.chunk.attributes,
                content=[TextContent(text=r.chunk.text)],
            )
            for r in results
        ]
        return SearchVectorStoreResponse(search_query=query, data=data)

    async def query_chunks(self, request: QueryChunksRequest) -> QueryChunksResponse:
        params = request.params
        results = await self.search(
            ChunkSearch(
                vector_store_id=request.vector_db_id,
                query=_query_text(content_text(request.query)),
                mode=params.mode,
                max_results=params.max_chunks,
                score_threshold=params.score_threshold,
                ranker=params.ranker,
            )
        )
        chunks = [
            Chunk(
                content=r.chunk.content,
                metadata=r.chunk.metadata,
                stored_chunk_id=r.chunk.chunk_id,
                chunk_metadata=r.chunk.chunk_metadata,
            )
            for r in results
        ]
        return QueryChunksResponse(chunks=chunks, scores=[r.score for r in results])


def _query_text(text: str) -> str:
    if not text.strip():
        raise BadRequestError("query: give some text to search for")
    return text
