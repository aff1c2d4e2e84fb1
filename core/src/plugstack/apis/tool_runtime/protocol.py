"""What the tool runtime serves, and what a tool_runtime provider implements.

The agent loop (``/v1alpha/agents`` turns, ``/v1/responses``) receives the `ToolRuntime` router
as its ``tool_runtime`` dependency and calls it in process, with the same models as the routes:

    tools = await tool_runtime.list_tools("mcp::weather", provider_data)   # ToolDefs, JSON schemas
    result = await tool_runtime.invoke_tool(
        InvokeToolRequest(tool_name="get_forecast", kwargs={"city": "Paris"}), provider_data
    )
    # the Responses API's {"type": "mcp", "server_url", "headers"} tool, with no registered group:
    data, endpoint = ProviderData(mcp_headers={server_url: headers}), McpEndpoint(uri=server_url)
    tools = await tool_runtime.list_runtime_tools(ListRuntimeToolsRequest(mcp_endpoint=endpoint), data)
    result = await tool_runtime.invoke_endpoint_tool(endpoint, request, data)

``provider_data`` is the request's ``X-LlamaStack-Provider-Data`` (`ProviderData.from_header`),
passed explicitly so a credential never outlives its request. `invoke_tool` raises only for what
the caller must fix (unknown tool: 404, missing credentials: 401, several groups offering the
name: 400); a tool that ran and failed, or whose server did not answer, comes back as a result
with ``error_message`` for the model to read.
"""

from typing import Any, Protocol

from pydantic import BaseModel, Field

from plugstack.apis.tool_runtime.models import (
    InvokeToolRequest,
    McpEndpoint,
    ProviderData,
    ToolDef,
    ToolGroup,
    ToolInvocationResult,
)
from plugstack.apis.tool_runtime.rag import RagTool


class ListRuntimeToolsRequest(BaseModel):
    tool_group_id: str | None = Field(default=None, description="a registered group")
    mcp_endpoint: McpEndpoint | None = Field(default=None, description="or an MCP server, registered or not")


class ToolRuntime(Protocol):
    async def list_tools(self, toolgroup_id: str | None, provider_data: ProviderData) -> list[ToolDef]:
        """One group's tools, or every group's (a group that cannot be listed now is skipped)."""
        ...

    async def get_tool(self, tool_name: str, provider_data: ProviderData) -> ToolDef: ...

    async def list_runtime_tools(
        self, request: ListRuntimeToolsRequest, provider_data: ProviderData
    ) -> list[ToolDef]: ...

    async def invoke_tool(self, request: InvokeToolRequest, provider_data: ProviderData) -> ToolInvocationResult: ...

    async def invoke_endpoint_tool(
        self, endpoint: McpEndpoint, request: InvokeToolRequest, provider_data: ProviderData
    ) -> ToolInvocationResult:
        """A tool of an MCP server that is not registered as a group."""
        ...

    def rag_tool(self) -> RagTool:
        """The provider serving ``builtin::rag`` (the rag-tool routes): 404 when the group is not registered."""
        ...


class ToolRuntimeProvider(Protocol):
    """Serves the tool groups registered with it. Like every resource owner it may also check
    registrations (``register_resource``), forget a group (``unregister_resource``) and claim
    groups registered without a provider_id (``accepts``, e.g. those with an mcp_endpoint)."""

    async def list_tools(self, group: ToolGroup, provider_data: ProviderData) -> list[ToolDef]:
        """The group's tools; raise (`UnauthorizedError`, `ProviderFailedError`) when they cannot be listed."""
        ...

    async def invoke_tool(
        self, group: ToolGroup, tool_name: str, kwargs: dict[str, Any], provider_data: ProviderData
    ) -> ToolInvocationResult:
        """Run one tool; its failure is a result with ``error_message``, not an exception."""
        ...
