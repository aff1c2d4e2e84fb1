"""HTTP routes of the tool runtime: tools by group, runtime listing and invocation.

Tool groups themselves (/v1/toolgroups) are a resource kind, routed generically (groups.py).
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query

from plugstack.apis.tool_runtime.models import (
    PROVIDER_DATA_HEADER,
    InvokeToolRequest,
    ListToolDefsResponse,
    McpEndpoint,
    ProviderData,
    ToolDef,
    ToolInvocationResult,
)
from plugstack.apis.tool_runtime.protocol import ListRuntimeToolsRequest, ToolRuntime
from plugstack.apis.tool_runtime.rag import RagInsertRequest, RagQueryRequest, RAGQueryResult


def _provider_data(
    value: Annotated[
        str | None, Header(alias=PROVIDER_DATA_HEADER, description='JSON, e.g. {"mcp_headers": {uri: {header: value}}}')
    ] = None,
) -> ProviderData:
    return ProviderData.from_header(value)


Credentials = Annotated[ProviderData, Depends(_provider_data)]


def create_router(impl: ToolRuntime) -> APIRouter:
    router = APIRouter(tags=["tool-runtime"])

    @router.get("/v1/tools", response_model=ListToolDefsResponse, summary="List tools (of one group)")
    async def list_tools(
        provider_data: Credentials,
        toolgroup_id: Annotated[str | None, Query(description="only this group's tools")] = None,
    ) -> ListToolDefsResponse:
        return ListToolDefsResponse(data=await impl.list_tools(toolgroup_id, provider_data))

    @router.get("/v1/tools/{tool_name:path}", response_model=ToolDef, summary="Get a tool")
    async def get_tool(tool_name: Annotated[str, Path()], provider_data: Credentials) -> ToolDef:
        return await impl.get_tool(tool_name, provider_data)

    @router.get(
        "/v1/tool-runtime/list-tools",
        response_model=ListToolDefsResponse,
        summary="List a group's or an MCP server's tools",
    )
    async def list_runtime_tools(
        provider_data: Credentials,
        tool_group_id: Annotated[str | None, Query()] = None,
        mcp_endpoint_uri: Annotated[str | None, Query(alias="mcp_endpoint[uri]", description="an MCP server")] = None,
    ) -> ListToolDefsResponse:
        endpoint = McpEndpoint(uri=mcp_endpoint_uri) if mcp_endpoint_uri else None
        request = ListRuntimeToolsRequest(tool_group_id=tool_group_id, mcp_endpoint=endpoint)
        return ListToolDefsResponse(data=await impl.list_runtime_tools(request, provider_data))

    @router.post("/v1/tool-runtime/invoke", response_model=ToolInvocationResult, summary="Run a tool")
    async def invoke_tool(body: InvokeToolRequest, provider_data: Credentials) -> ToolInvocationResult:
        return await impl.invoke_tool(body, provider_data)

    @router.post(
        "/v1/tool-runtime/rag-tool/insert",
        response_model=None,
        summary="Chunk, embed and store documents in a vector store (builtin::rag's provider)",
    )
    async def rag_insert(body: RagInsertRequest) -> None:
        await impl.rag_tool().insert(body)

    @router.post(
        "/v1/tool-runtime/rag-tool/query",
        response_model=RAGQueryResult,
        summary="Retrieve chunks from vector stores, written for a model (builtin::rag's provider)",
    )
    async def rag_query(body: RagQueryRequest) -> RAGQueryResult:
        return await impl.rag_tool().query(body)

    return router
