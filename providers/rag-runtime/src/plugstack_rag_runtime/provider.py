"""`inline::rag-runtime`: the ``builtin::rag`` group and the rag-tool routes over vector stores.

Tools get their stores from the group's args: the args the group was registered with, then
(winning) those an agent gives it (``{"name": "builtin::rag", "args": {"vector_db_ids": [...]}}``),
then the model's own arguments. ``vector_db_ids`` and ``vector_store_ids`` are the same thing.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from plugstack.apis.tool_runtime.models import (
    TOOL_FAILED,
    InterleavedContent,
    ProviderData,
    RegisterToolGroupRequest,
    ToolDef,
    ToolGroup,
    ToolInvocationResult,
)
from plugstack.apis.tool_runtime.rag import (
    DEFAULT_CHUNK_SIZE_TOKENS,
    RAG_GROUP_ID,
    RAGDocument,
    RagInsertRequest,
    RAGQueryConfig,
    RagQueryRequest,
    RAGQueryResult,
)
from plugstack.errors import BadRequestError, NotFoundError
from plugstack_rag_runtime.ingest import DocumentReader, insert_documents
from plugstack_rag_runtime.retrieval import retrieve


class StoreArgs(BaseModel):
    """The group's args (also what an agent adds to each call)."""

    model_config = ConfigDict(extra="ignore")  # agent loops add e.g. session_id

    vector_db_ids: list[str] = Field(default_factory=list, description="the vector stores (vs_…) to use")
    vector_store_ids: list[str] = Field(default_factory=list, description="the same, by OpenAI's name")
    query_config: RAGQueryConfig | None = None

    def stores(self) -> list[str]:
        return list(dict.fromkeys([*self.vector_db_ids, *self.vector_store_ids]))


class KnowledgeSearchInput(BaseModel):
    query: str = Field(description="what to look for: a natural-language question or keywords")


class KnowledgeSearchArgs(StoreArgs):
    query: InterleavedContent


class InsertIntoMemoryInput(BaseModel):
    documents: list[RAGDocument] = Field(min_length=1)
    vector_db_id: str | None = Field(default=None, description="default: the group's only vector store")
    chunk_size_in_tokens: int = DEFAULT_CHUNK_SIZE_TOKENS


class InsertIntoMemoryArgs(StoreArgs, InsertIntoMemoryInput):
    def target(self) -> str:
        if self.vector_db_id:
            return self.vector_db_id
        stores = self.stores()
        if len(stores) != 1:
            raise BadRequestError("vector_db_id: name the vector store to insert into")
        return stores[0]


TOOLS = [
    ToolDef(
        name="knowledge_search",
        description="Search for information in the knowledge base (the attached vector stores).",
        input_schema=KnowledgeSearchInput.model_json_schema(),
    ),
    ToolDef(
        name="insert_into_memory",
        description="Insert documents into the knowledge base, to be found by knowledge_search.",
        input_schema=InsertIntoMemoryInput.model_json_schema(),
    ),
]


def _problems(exc: ValidationError, prefix: str = "") -> str:
    return "; ".join(f"{prefix}{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())


class RagRuntime:
    """Implements `ToolRuntimeProvider` for ``builtin::rag`` and `RagTool` for the rag-tool routes."""

    def __init__(self, vector_io: Any, files: Any | None, inference: Any | None) -> None:
        self._vector_io = vector_io
        self._inference = inference
        self._reader = DocumentReader(files)

    def accepts(self, request: RegisterToolGroupRequest) -> bool:
        return request.toolgroup_id == RAG_GROUP_ID

    async def register_resource(self, group: ToolGroup) -> None:
        if group.mcp_endpoint is not None:
            raise BadRequestError("mcp_endpoint: the RAG tool runs locally; register MCP servers elsewhere")
        try:
            StoreArgs.model_validate(group.args or {})
        except ValidationError as exc:
            raise BadRequestError(_problems(exc, "args.")) from None

    async def list_tools(self, group: ToolGroup, provider_data: ProviderData) -> list[ToolDef]:
        return TOOLS

    async def invoke_tool(
        self, group: ToolGroup, tool_name: str, kwargs: dict[str, Any], provider_data: ProviderData
    ) -> ToolInvocationResult:
        """The group's args, then the caller's; arguments that do not fit are a failed result."""
        arguments = {**(group.args or {}), **kwargs}
        try:
            if tool_name == "knowledge_search":
                return await self._search(KnowledgeSearchArgs.model_validate(arguments))
            if tool_name == "insert_into_memory":
                return await self._insert(InsertIntoMemoryArgs.model_validate(arguments))
        except ValidationError as exc:
            return ToolInvocationResult(error_code=TOOL_FAILED, error_message=f"invalid arguments: {_problems(exc)}")
        raise NotFoundError(f"tool group {group.identifier!r} has no tool {tool_name!r}")

    async def _search(self, args: KnowledgeSearchArgs) -> ToolInvocationResult:
        request = RagQueryRequest(content=args.query, vector_db_ids=args.stores(), query_config=args.query_config)
        result = await self.query(request)
        return ToolInvocationResult(content=result.content, metadata=result.metadata)

    async def _insert(self, args: InsertIntoMemoryArgs) -> ToolInvocationResult:
        store = args.target()
        request = RagInsertRequest(
            documents=args.documents, vector_db_id=store, chunk_size_in_tokens=args.chunk_size_in_tokens
        )
        count = await insert_documents(self._vector_io, self._reader, request)
        return ToolInvocationResult(
            content=f"inserted {len(args.documents)} documents ({count} chunks) into {store}",
            metadata={"vector_db_id": store, "chunks": count},
        )

    async def insert(self, request: RagInsertRequest) -> None:
        await insert_documents(self._vector_io, self._reader, request)

    async def query(self, request: RagQueryRequest) -> RAGQueryResult:
        return await retrieve(self._vector_io, self._inference, request)
