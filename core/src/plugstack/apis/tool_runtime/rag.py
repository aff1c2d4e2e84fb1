"""The RAG tool (``/v1/tool-runtime/rag-tool/insert`` and ``/query``, and the ``builtin::rag``
group's tools): the shapes llama-stack-client 0.3.5 sends and parses, and what the provider
serving ``builtin::rag`` implements besides its tools.

A ``vector_db_id`` is a vector store id (``vs_…``): Llama Stack 0.3 has no other kind.
"""

from typing import Annotated, Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, field_validator

from plugstack.apis.tool_runtime.models import ContentItem, InterleavedContent, ToolGroup
from plugstack.apis.tool_runtime.rag_template import DEFAULT_CHUNK_TEMPLATE, template_problem
from plugstack.apis.vector_io.models import Ranker, SearchMode
from plugstack.errors import BadRequestError

RAG_GROUP_ID = "builtin::rag"
DEFAULT_CHUNK_SIZE_TOKENS = 512


class DocumentURI(BaseModel):
    """Content given by reference: a ``data:`` URI, or the id of a file uploaded to /v1/files."""

    model_config = ConfigDict(extra="forbid")

    uri: str = Field(min_length=1, description="'data:…' or 'file-…'; URLs are not fetched by the server")


class RAGDocument(BaseModel):
    document_id: str = Field(min_length=1, description="given to each of the document's chunks as metadata")
    content: InterleavedContent | DocumentURI = Field(description="the text, text items, or a {uri}")
    mime_type: str | None = Field(
        default=None,
        description="picks the parser (text/*, JSON, YAML, CSV, HTML, PDF); default: text or the file's type",
    )
    metadata: dict[str, Any] = Field(default_factory=dict, description="copied into each chunk's metadata")


class RagInsertRequest(BaseModel):
    documents: list[RAGDocument]
    vector_db_id: str = Field(min_length=1, description="the vector store (vs_…) to insert into")
    chunk_size_in_tokens: int = Field(
        default=DEFAULT_CHUNK_SIZE_TOKENS, description="tokens per chunk (100 to 4096); neighbours overlap by a quarter"
    )


class DefaultQueryGeneratorConfig(BaseModel):
    """The query is the content's text, its items joined by ``separator``."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["default"] = "default"
    separator: str = " "


class LLMQueryGeneratorConfig(BaseModel):
    """The query is what ``model`` answers to ``template`` rendered with ``messages`` (the content's texts)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["llm"] = "llm"
    model: str = Field(min_length=1, description="a registered LLM")
    template: str = Field(min_length=1, description="Jinja, e.g. 'Search query for: {{ messages | join(\" \") }}'")


QueryGeneratorConfig = Annotated[DefaultQueryGeneratorConfig | LLMQueryGeneratorConfig, Field(discriminator="type")]


class RAGQueryConfig(BaseModel):
    query_generator_config: QueryGeneratorConfig = Field(default_factory=DefaultQueryGeneratorConfig)
    max_tokens_in_context: int = Field(
        default=4096, ge=1, description="chunks are added until the next would pass this many tokens"
    )
    max_chunks: int = Field(default=5, ge=1, le=100, description="chunks retrieved, over all the stores")
    chunk_template: str = Field(
        default=DEFAULT_CHUNK_TEMPLATE,
        description="how each chunk is written; fields {index}, {chunk.content}, {metadata}, {chunk.chunk_id}",
    )
    mode: SearchMode = "vector"
    ranker: Ranker | None = Field(default=None, description="hybrid only: rrf (impact_factor) or weighted (alpha)")

    @field_validator("chunk_template")
    @classmethod
    def _usable(cls, template: str) -> str:
        problem = template_problem(template)
        if problem is not None:
            raise ValueError(problem)
        return template


class RagQueryRequest(BaseModel):
    content: InterleavedContent = Field(description="what to search for")
    vector_db_ids: list[str] = Field(description="the vector stores (vs_…) to search")
    query_config: RAGQueryConfig | None = None


class RAGQueryResult(BaseModel):
    content: InterleavedContent | None = Field(default=None, description="the chunks, written for a model to read")
    metadata: dict[str, Any] = Field(
        default_factory=dict, description="document_ids, chunks, scores and vector_db_ids of the chunks given"
    )


def item_texts(content: InterleavedContent, field: str) -> list[str]:
    """The texts of interleaved content, one per item; an image is a 400 naming ``field`` (nothing
    here embeds images)."""
    items: list[str | ContentItem] = content if isinstance(content, list) else [content]  # type: ignore[assignment]
    texts = []
    for item in items:
        if isinstance(item, str):
            texts.append(item)
        elif item.type == "text":
            texts.append(item.text)
        else:
            raise BadRequestError(f"{field}: only text content is served here, not images")
    return texts


@runtime_checkable
class RagTool(Protocol):
    """What the provider serving ``builtin::rag`` implements for the two rag-tool routes."""

    async def insert(self, request: RagInsertRequest) -> None:
        """Chunks, embeds and stores the documents; 404 for an unknown store, 400 naming a bad document."""
        ...

    async def query(self, request: RagQueryRequest) -> RAGQueryResult: ...


def rag_tool(group: ToolGroup, provider: Any) -> RagTool:
    """The provider of the ``builtin::rag`` group as a `RagTool`; 400 when it serves no RAG."""
    if not isinstance(provider, RagTool):
        raise BadRequestError(
            f"tool group {group.identifier!r} is served by provider {group.provider_id!r}, which has no rag-tool; "
            "register it with an inline::rag-runtime provider"
        )
    return provider
