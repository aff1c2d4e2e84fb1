"""What the vector_io API serves, what a vector_io provider implements, and the engine beneath.

Three layers, so a new vector database is one small class:

- `VectorEngine` — what a provider package writes for its database: per-store indexes of
  chunks with their vectors, text and attributes; nearest-neighbour and keyword queries
  with attribute filters. Nothing about files, embeddings or OpenAI shapes.
- `VectorStoresProvider` — everything else, written once in
  `plugstack.apis.vector_io.service.VectorStoreService` over any engine: store and file
  records, background ingestion (files API → parse → chunk → embed through inference →
  engine), hybrid fusion, expiry. A provider factory returns such a service.
- `VectorIO` — what the HTTP routes and other APIs call: the router picks the provider that
  holds each store and derives the two HTTP searches from ``search``.

**In-process search** (the RAG tool, the Responses API's ``file_search``): take ``Api.vector_io``
as a dependency and call ``await vector_io.search(ChunkSearch(vector_store_id=..., query=...,
mode="vector" | "keyword" | "hybrid", max_results=..., filters=..., score_threshold=...,
ranker=...))``. It returns `ScoredChunk`s best first: ``chunk.text`` (what to quote),
``chunk.file_id`` and ``chunk.metadata["filename"]`` (citations; null / absent for chunks
inserted through vector-io, whose ``metadata`` is the client's, ``document_id`` included
when given), ``chunk.attributes`` (the file's attributes), ``chunk.chunk_id`` and ``score``.
An unknown store raises `NotFoundError` (404).
"""

from typing import Protocol

from plugstack.apis.vector_io.filters import Filter
from plugstack.apis.vector_io.models import (
    AttachFileRequest,
    AttributeMap,
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
    ScoredChunk,
    SearchVectorStoreBody,
    SearchVectorStoreResponse,
    StoredChunk,
    UpdateFileRequest,
    UpdateVectorStoreRequest,
    VectorStore,
    VectorStoreDeleted,
    VectorStoreFile,
    VectorStoreFileBatch,
    VectorStoreFileContent,
    VectorStoreFileDeleted,
)


class VectorEngine(Protocol):
    """A vector database holding one index per vector store. Calls must not block the event loop."""

    async def create_index(self, store_id: str, dimension: int) -> None: ...

    async def delete_index(self, store_id: str) -> None:
        """The index and every chunk in it; a missing index is no error."""
        ...

    async def index_ids(self) -> list[str]:
        """The stores that have an index (to drop the leftovers of a crash)."""
        ...

    async def add_chunks(self, store_id: str, chunks: list[StoredChunk], embeddings: list[list[float]]) -> None:
        """Adds the chunks with their vectors; a chunk whose ``chunk_id`` is already there replaces it."""
        ...

    async def delete_file_chunks(self, store_id: str, file_id: str) -> None: ...

    async def set_file_attributes(self, store_id: str, file_id: str, attributes: AttributeMap) -> None:
        """Gives every chunk of the file these attributes, which filters match from then on."""
        ...

    async def file_chunks(self, store_id: str, file_id: str) -> list[StoredChunk]:
        """The file's chunks in the order they were added."""
        ...

    async def query_vector(
        self, store_id: str, embedding: list[float], k: int, filters: Filter | None
    ) -> list[ScoredChunk]:
        """The ``k`` nearest chunks that match ``filters``, scored by cosine similarity, best first."""
        ...

    async def query_keyword(self, store_id: str, text: str, k: int, filters: Filter | None) -> list[ScoredChunk]:
        """The ``k`` best chunks by BM25 (higher is better) sharing a word with ``text``, best first."""
        ...

    async def close(self) -> None: ...


class VectorStoreOperations(Protocol):
    """The operations on stores that both the provider and the served API implement."""

    async def create_vector_store(self, request: CreateVectorStoreRequest) -> VectorStore: ...

    async def retrieve_vector_store(self, vector_store_id: str) -> VectorStore: ...

    async def update_vector_store(self, vector_store_id: str, request: UpdateVectorStoreRequest) -> VectorStore: ...

    async def delete_vector_store(self, vector_store_id: str) -> VectorStoreDeleted: ...

    async def attach_file(self, vector_store_id: str, request: AttachFileRequest) -> VectorStoreFile: ...

    async def list_files(self, vector_store_id: str, params: ListFilesParams) -> ListVectorStoreFilesResponse: ...

    async def retrieve_file(self, vector_store_id: str, file_id: str) -> VectorStoreFile: ...

    async def update_file(self, vector_store_id: str, file_id: str, request: UpdateFileRequest) -> VectorStoreFile: ...

    async def delete_file(self, vector_store_id: str, file_id: str) -> VectorStoreFileDeleted: ...

    async def file_content(self, vector_store_id: str, file_id: str) -> VectorStoreFileContent: ...

    async def create_file_batch(
        self, vector_store_id: str, request: CreateFileBatchRequest
    ) -> VectorStoreFileBatch: ...

    async def retrieve_file_batch(self, vector_store_id: str, batch_id: str) -> VectorStoreFileBatch: ...

    async def cancel_file_batch(self, vector_store_id: str, batch_id: str) -> VectorStoreFileBatch: ...

    async def list_file_batch_files(
        self, vector_store_id: str, batch_id: str, params: ListFilesParams
    ) -> ListVectorStoreFilesResponse: ...

    async def search(self, request: ChunkSearch) -> list[ScoredChunk]:
        """The store's chunks that best answer the query, best first (see the module docstring)."""
        ...

    async def insert_chunks(self, request: InsertChunksRequest) -> None: ...


class VectorStoresProvider(VectorStoreOperations, Protocol):
    """What a vector_io provider instance implements (`VectorStoreService` does it all)."""

    def owns(self, vector_store_id: str) -> bool:
        """Whether the store lives in this provider (an expired one still does, until touched)."""
        ...

    async def vector_stores(self) -> list[VectorStore]:
        """Every live store of this provider, for the router's listing."""
        ...


class VectorIO(VectorStoreOperations, Protocol):
    """The API as served: the provider's operations routed by store, plus the HTTP searches."""

    async def list_vector_stores(self, params: ListParams) -> ListVectorStoresResponse: ...

    async def search_vector_store(
        self, vector_store_id: str, request: SearchVectorStoreBody
    ) -> SearchVectorStoreResponse: ...

    async def query_chunks(self, request: QueryChunksRequest) -> QueryChunksResponse: ...
