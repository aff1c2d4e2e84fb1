"""Shapes of vector stores (OpenAI's /v1/vector_stores) and of Llama Stack's /v1/vector-io, as
the openai and llama-stack-client 0.3.5 clients send and parse them, and the scored chunk that
every search returns in-process."""

from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

from plugstack.apis.vector_io.filters import Filter

SearchMode = Literal["vector", "keyword", "hybrid"]
FileStatus = Literal["in_progress", "completed", "cancelled", "failed"]
AttributeValue = str | bool | int | float
AttributeMap = dict[str, AttributeValue]
Attributes = Annotated[AttributeMap, Field(max_length=16)]  # OpenAI's limit on a file's attributes
MAX_LIST_LIMIT = 100
AUTO_CHUNK_TOKENS = 800  # OpenAI's "auto" strategy
AUTO_OVERLAP_TOKENS = 400


# Chunking


class AutoChunking(BaseModel):
    """OpenAI's default: 800-token chunks overlapping by 400."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["auto"] = "auto"


class StaticChunkingParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_chunk_size_tokens: int = Field(default=AUTO_CHUNK_TOKENS, ge=100, le=4096, description="tokens per chunk")
    chunk_overlap_tokens: int = Field(
        default=AUTO_OVERLAP_TOKENS, ge=0, description="tokens shared by neighbours; at most half a chunk"
    )

    @model_validator(mode="after")
    def _overlap_fits(self) -> "StaticChunkingParams":
        if self.chunk_overlap_tokens > self.max_chunk_size_tokens // 2:
            raise ValueError("chunk_overlap_tokens must not exceed half of max_chunk_size_tokens")
        return self


class StaticChunking(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["static"] = "static"
    static: StaticChunkingParams


ChunkingStrategy = Annotated[AutoChunking | StaticChunking, Field(discriminator="type")]


def chunk_sizes(strategy: AutoChunking | StaticChunking) -> StaticChunkingParams:
    """The token sizes a strategy stands for."""
    return strategy.static if isinstance(strategy, StaticChunking) else StaticChunkingParams()


# Vector stores


class ExpiresAfter(BaseModel):
    """A lifetime counted from the store's last activity (OpenAI's only anchor)."""

    model_config = ConfigDict(extra="forbid")

    anchor: Literal["last_active_at"] = Field(description="what the lifetime counts from")
    days: int = Field(ge=1, le=365, description="days of inactivity after which the store is gone")


class FileCounts(BaseModel):
    in_progress: int = 0
    completed: int = 0
    failed: int = 0
    cancelled: int = 0
    total: int = 0


class VectorStore(BaseModel):
    """A vector store (OpenAI's VectorStore), with the embedding model its chunks are embedded by."""

    id: str = Field(description="'vs_' and 32 hex digits, in creation order")
    object: Literal["vector_store"] = "vector_store"
    created_at: int = Field(description="Unix time of creation, in seconds")
    name: str | None = None
    usage_bytes: int = Field(default=0, description="bytes of chunk text stored")
    file_counts: FileCounts = Field(default_factory=FileCounts)
    status: Literal["expired", "in_progress", "completed"] = "completed"
    expires_after: ExpiresAfter | None = None
    expires_at: int | None = Field(default=None, description="Unix time at which the store expires; null: never")
    last_active_at: int | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    embedding_model: str = Field(description="the inference model that embeds chunks and queries")
    embedding_dimension: int = Field(gt=0, description="length of its vectors")
    provider_id: str = Field(description="the vector_io provider that stores the chunks")


class CreateVectorStoreRequest(BaseModel):
    name: str | None = None
    file_ids: list[str] = Field(default_factory=list, description="files (from /v1/files) to attach right away")
    metadata: dict[str, Any] = Field(default_factory=dict)
    expires_after: ExpiresAfter | None = None
    chunking_strategy: ChunkingStrategy | None = Field(default=None, description="for file_ids; default auto")
    embedding_model: str | None = Field(default=None, description="default: the provider's default_embedding_model")
    embedding_dimension: int | None = Field(default=None, gt=0, description="default: the model's own")
    provider_id: str | None = Field(default=None, description="default: the first vector_io provider in run.yaml")


class UpdateVectorStoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    expires_after: ExpiresAfter | None = None
    metadata: dict[str, Any] | None = Field(default=None, description="replaces the whole metadata")


class ListParams(BaseModel):
    """Cursor paging in creation order (stores, a store's files, a batch's files)."""

    model_config = ConfigDict(extra="forbid")

    after: str | None = Field(default=None, description="an id: the page starts after it")
    before: str | None = Field(default=None, description="an id: the page ends before it")
    limit: int = Field(default=20, ge=1, le=MAX_LIST_LIMIT)
    order: Literal["asc", "desc"] = Field(default="desc", description="by creation time; newest first by default")


class ListVectorStoresResponse(BaseModel):
    object: Literal["list"] = "list"
    data: list[VectorStore]
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool = False


class VectorStoreDeleted(BaseModel):
    id: str
    object: Literal["vector_store.deleted"] = "vector_store.deleted"
    deleted: bool = True


# Files in a store


class LastError(BaseModel):
    code: Literal["server_error", "unsupported_file", "invalid_file"] = Field(description="OpenAI's error codes")
    message: str


class VectorStoreFile(BaseModel):
    """A file attached to a store; ``status`` follows its processing (parse, chunk, embed)."""

    id: str = Field(description="the file's id in /v1/files")
    object: Literal["vector_store.file"] = "vector_store.file"
    vector_store_id: str
    created_at: int
    status: FileStatus = "in_progress"
    usage_bytes: int = Field(default=0, description="bytes of chunk text stored for this file")
    attributes: Attributes = Field(default_factory=dict, description="what search filters match on")
    chunking_strategy: ChunkingStrategy = Field(default_factory=AutoChunking)
    last_error: LastError | None = None
    filename: str = Field(default="", description="the file's name in /v1/files, kept for search results")
    batch_id: str | None = Field(default=None, description="the file batch that attached it, if any")


class AttachFileRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file_id: str = Field(min_length=1)
    attributes: Attributes = Field(default_factory=dict, description="up to 16 keys with string, number or bool values")
    chunking_strategy: ChunkingStrategy | None = Field(default=None, description="default auto")


class UpdateFileRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    attributes: Attributes = Field(description="replaces the file's attributes")


class ListFilesParams(ListParams):
    filter: FileStatus | None = Field(default=None, description="only files with this status")


class ListVectorStoreFilesResponse(BaseModel):
    object: Literal["list"] = "list"
    data: list[VectorStoreFile]
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool = False


class VectorStoreFileDeleted(BaseModel):
    id: str
    object: Literal["vector_store.file.deleted"] = "vector_store.file.deleted"
    deleted: bool = True


class TextContent(BaseModel):
    type: Literal["text"] = "text"
    text: str


class VectorStoreFileContent(BaseModel):
    """A file's chunks, in order: ``content`` for llama-stack-client, ``data`` (the same) for openai's page."""

    object: Literal["vector_store.file_content.page"] = "vector_store.file_content.page"
    file_id: str
    filename: str
    attributes: Attributes
    content: list[TextContent]
    data: list[TextContent]
    has_more: bool = False
    next_page: str | None = None


class CreateFileBatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file_ids: list[str] = Field(min_length=1)
    attributes: Attributes = Field(default_factory=dict, description="given to every file of the batch")
    chunking_strategy: ChunkingStrategy | None = None


class VectorStoreFileBatch(BaseModel):
    id: str = Field(description="'vsfb_' and 32 hex digits")
    object: Literal["vector_store.files_batch"] = "vector_store.files_batch"
    vector_store_id: str
    created_at: int
    status: FileStatus = "in_progress"
    file_counts: FileCounts = Field(default_factory=FileCounts)
    file_ids: list[str] = Field(default_factory=list, description="the files it attaches")


# Search


class RRFRanker(BaseModel):
    """Reciprocal-rank fusion: each list adds 1 / (impact_factor + rank)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["rrf"] = "rrf"
    impact_factor: float = Field(default=60.0, gt=0, description="damps the lead of top ranks; 60 is customary")


class WeightedRanker(BaseModel):
    """A weighted sum of each mode's min-max normalised scores."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["weighted"] = "weighted"
    alpha: float = Field(default=0.5, ge=0, le=1, description="weight of the vector score; keyword gets 1 - alpha")


Ranker = Annotated[RRFRanker | WeightedRanker, Field(discriminator="type")]


class RankingOptions(BaseModel):
    ranker: str | None = Field(
        default=None, description="auto / default-2024-11-15 / none (OpenAI's), rrf or weighted (hybrid fusion)"
    )
    score_threshold: float = Field(default=0.0, description="results scoring below are dropped")


class SearchVectorStoreBody(BaseModel):
    query: str | list[str] = Field(description="text; several texts are searched as one")
    filters: Filter | None = Field(default=None, description="over the files' attributes")
    max_num_results: int = Field(default=10, ge=1, le=50)
    ranking_options: RankingOptions | None = None
    rewrite_query: bool = Field(default=False, description="accepted; queries are searched as given")
    search_mode: SearchMode = "vector"


class SearchResultItem(BaseModel):
    file_id: str
    filename: str
    score: float
    attributes: AttributeMap | None = None
    content: list[TextContent]


class SearchVectorStoreResponse(BaseModel):
    object: Literal["vector_store.search_results.page"] = "vector_store.search_results.page"
    search_query: str
    data: list[SearchResultItem]
    has_more: bool = False
    next_page: str | None = None


class ChunkSearch(BaseModel):
    """One search of one store: what the HTTP searches, the RAG tool and file_search ask."""

    vector_store_id: str
    query: str = Field(min_length=1)
    mode: SearchMode = "vector"
    max_results: int = Field(default=10, ge=1, le=1000)
    filters: Filter | None = None
    score_threshold: float | None = Field(default=None, description="drop results scoring below")
    ranker: Ranker | None = Field(default=None, description="hybrid only; default rrf")


class StoredChunk(BaseModel):
    """A chunk as a store keeps it: its text for search, and the client's content and metadata as given."""

    chunk_id: str
    text: str = Field(description="what is embedded and keyword-indexed")
    content: Any = Field(description="the InterleavedContent as inserted (the text, for file chunks)")
    metadata: dict[str, Any] = Field(default_factory=dict)
    chunk_metadata: dict[str, Any] | None = None
    file_id: str | None = Field(default=None, description="the attached file it came from; null for vector-io chunks")
    attributes: AttributeMap = Field(
        default_factory=dict, description="what filters match: its file's attributes, or its scalar metadata"
    )


class ScoredChunk(BaseModel):
    chunk: StoredChunk
    score: float = Field(description="vector: cosine similarity; keyword: BM25 (higher is better); hybrid: fused")


# vector-io (Llama Stack's chunk-level API)


class Chunk(BaseModel):
    """Llama Stack's Chunk. ``metadata.document_id`` is optional (Llama Stack 500s without it)."""

    content: Any = Field(description="InterleavedContent: a string, a content item, or a list of items")
    metadata: dict[str, Any] = Field(default_factory=dict)
    embedding: list[float] | None = Field(default=None, description="precomputed; default: the store's model embeds")
    stored_chunk_id: str | None = Field(
        default=None, validation_alias=AliasChoices("stored_chunk_id", "chunk_id"), description="default: a new id"
    )
    chunk_metadata: dict[str, Any] | None = None


class InsertChunksRequest(BaseModel):
    vector_db_id: str = Field(min_length=1, description="a vector store id (vs_...)")
    chunks: list[Chunk]
    ttl_seconds: int | None = Field(default=None, description="accepted; chunks live as long as their store")


class QueryParams(BaseModel):
    """``params`` of a vector-io query."""

    max_chunks: int = Field(default=3, ge=1, le=1000)
    mode: SearchMode = "vector"
    score_threshold: float = 0.0
    ranker: Ranker | None = None


class QueryChunksRequest(BaseModel):
    vector_db_id: str = Field(min_length=1)
    query: Any = Field(description="InterleavedContent")
    params: QueryParams = Field(default_factory=QueryParams)


class QueryChunksResponse(BaseModel):
    chunks: list[Chunk]
    scores: list[float]
