"""Routes tool listings and invocations to the providers of the registered tool groups.

Tools are addressed by name alone (``invoke {tool_name}``), so the router learns which group
offers each name from every listing it makes (an index, re-checked on use). Listings themselves
are the providers' to cache: what a group offers may depend on the caller's credentials.
"""

import asyncio
import logging

from plugstack.apis.tool_runtime.models import (
    TOOL_FAILED,
    InvokeToolRequest,
    McpEndpoint,
    ProviderData,
    RegisterToolGroupRequest,
    ToolDef,
    ToolGroup,
    ToolInvocationResult,
    canonical_uri,
)
from plugstack.apis.tool_runtime.protocol import ListRuntimeToolsRequest, ToolRuntimeProvider
from plugstack.apis.tool_runtime.rag import RAG_GROUP_ID, RagTool, rag_tool
from plugstack.errors import BadRequestError, PlugstackError, UnauthorizedError, not_found
from plugstack.registry.handles import ProviderHandle
from plugstack.registry.routing import RoutingTable

log = logging.getLogger(__name__)


class ToolRuntimeRouter:
    """Implements `ToolRuntime` over the tool-group routing table (see protocol.py)."""

    def __init__(self, groups: RoutingTable, handles: list[ProviderHandle]) -> None:
        self._groups = groups
        self._handles = handles
        self._index: dict[str, set[str]] = {}  # tool name -> ids of the groups that listed it

    async def _list(self, group: ToolGroup, provider: ToolRuntimeProvider, data: ProviderData) -> list[ToolDef]:
        tools = [
            tool.model_copy(update={"toolgroup_id": group.identifier})
            for tool in await provider.list_tools(group, data)
        ]
        for tool in tools:
            self._index.setdefault(tool.name, set()).add(group.identifier)
        return tools

    def _route(self, group_id: str) -> tuple[ToolGroup, ToolRuntimeProvider]:
        group, provider = self._groups.route(group_id)
        assert isinstance(group, ToolGroup)
        return group, provider

    async def _list_every(self, data: ProviderData) -> tuple[list[ToolDef], dict[str, Exception]]:
        """Every group's tools; the groups that could not be listed, with why, on the side."""

        async def one(group_id: str) -> list[ToolDef]:
            return await self._list(*self._route(group_id), data)

        ids = [group.identifier for group in self._groups.all()]
        listed = await asyncio.gather(*(one(group_id) for group_id in ids), return_exceptions=True)
        tools: list[ToolDef] = []
        failures: dict[str, Exception] = {}
        for group_id, result in zip(ids, listed, strict=True):
            if isinstance(result, Exception):
                log.warning("tool group %s could not be listed: %s", group_id, _reason(result))
                failures[group_id] = result
            elif isinstance(result, list):
                tools.extend(result)
        return tools, failures

    async def list_tools(self, toolgroup_id: str | None, provider_data: ProviderData) -> list[ToolDef]:
        if toolgroup_id is not None:
            return await self._list(*self._route(toolgroup_id), provider_data)
        return (await self._list_every(provider_data))[0]

    async def _find(self, tool_name: str, data: ProviderData) -> ToolDef:
        """The one registered tool of that name: 404, or 400 when several groups offer it. A name
        already seen in a group is looked up there first, so missing credentials for that group
        are a 401; a group that cannot be listed now is named in the 404."""
        registered = {group.identifier for group in self._groups.all()}
        known = self._index.get(tool_name, set()) & registered
        if len(known) == 1:
            found = [tool for tool in await self._list(*self._route(known.pop()), data) if tool.name == tool_name]
            if found:
                return found[0]
        tools, failures = await self._list_every(data)
        found = [tool for tool in tools if tool.name == tool_name]
        if len(found) > 1:
            groups = ", ".join(sorted(str(tool.toolgroup_id) for tool in found))
            raise BadRequestError(f"tool {tool_name!r} is offered by several tool groups ({groups}); unregister one")
        if found:
            return found[0]
        missing = not_found("tool", tool_name, [tool.name for tool in tools])
        if failures:
            missing.detail += "; could not list: " + "; ".join(f"{g} ({_reason(e)})" for g, e in failures.items())
        raise missing

    async def get_tool(self, tool_name: str, provider_data: ProviderData) -> ToolDef:
        return await self._find(tool_name, provider_data)

    def _endpoint_group(self, endpoint: McpEndpoint) -> tuple[ToolGroup, ToolRuntimeProvider]:
        """The registered group at that endpoint, or an unregistered one served by the provider
        that accepts MCP endpoints."""
        wanted = canonical_uri(endpoint.uri)
        for group in self._groups.all():
            if isinstance(group, ToolGroup) and group.mcp_endpoint and canonical_uri(group.mcp_endpoint.uri) == wanted:
                return self._route(group.identifier)
        request = RegisterToolGroupRequest(toolgroup_id=f"mcp::{endpoint.uri}", mcp_endpoint=endpoint)
        for handle in self._handles:
            accepts = getattr(handle.impl, "accepts", None)
            if accepts is not None and accepts(request):
                group = ToolGroup(
                    identifier=request.toolgroup_id, provider_id=handle.provider_id, mcp_endpoint=endpoint
                )
                return group, handle.require()
        raise BadRequestError("mcp_endpoint: no tool_runtime provider of this stack serves MCP servers")

    async def list_runtime_tools(self, request: ListRuntimeToolsRequest, provider_data: ProviderData) -> list[ToolDef]:
        if request.tool_group_id is not None:
            return await self.list_tools(request.tool_group_id, provider_data)
        if request.mcp_endpoint is not None:
            return await self._list(*self._endpoint_group(request.mcp_endpoint), provider_data)
        raise BadRequestError("give tool_group_id or mcp_endpoint[uri]")

    async def invoke_tool(self, request: InvokeToolRequest, provider_data: ProviderData) -> ToolInvocationResult:
        tool = await self._find(request.tool_name, provider_data)
        assert tool.toolgroup_id is not None
        return await _invoke(*self._route(tool.toolgroup_id), request, provider_data)

    async def invoke_endpoint_tool(
        self, endpoint: McpEndpoint, request: InvokeToolRequest, provider_data: ProviderData
    ) -> ToolInvocationResult:
        return await _invoke(*self._endpoint_group(endpoint), request, provider_data)

    def rag_tool(self) -> RagTool:
        return rag_tool(*self._route(RAG_GROUP_ID))


async def _invoke(
    group: ToolGroup, provider: ToolRuntimeProvider, request: InvokeToolRequest, data: ProviderData
) -> ToolInvocationResult:
    """Run the tool; anything but missing credentials becomes a failed result, never a 5xx."""
    try:
        return await provider.invoke_tool(group, request.tool_name, request.kwargs, data)
    except UnauthorizedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the model reads the failure and may try something else
        reason = _reason(exc)
        log.warning("tool %s of group %s failed: %s", request.tool_name, group.identifier, reason)
        return ToolInvocationResult(
            content=f"error: {reason}",
            error_code=TOOL_FAILED,
            error_message=reason,
            metadata={"toolgroup_id": group.identifier},
        )


def _reason(exc: BaseException) -> str:
    return exc.detail if isinstance(exc, PlugstackError) else f"{type(exc).__name__}: {exc}"
