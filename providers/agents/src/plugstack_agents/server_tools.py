"""The tools the loop runs itself, resolved once per response through the tool runtime API:
the Responses API's ``mcp`` tools (an MCP server by URL, its headers with it) and registered tool
groups (``toolgroups``, what /v1alpha/agents turns use; ``"group/tool"`` picks one tool)."""

from typing import Any

from plugstack.apis.agents.items import McpListToolsItem, new_id
from plugstack.apis.agents.responses import CreateResponseRequest, FunctionTool, McpTool
from plugstack.apis.tool_runtime.models import InvokeToolRequest, McpEndpoint, ProviderData, ToolDef
from plugstack.apis.tool_runtime.protocol import ListRuntimeToolsRequest
from plugstack.errors import BadRequestError
from plugstack_agents.loop import ServerTool

EMPTY_OBJECT: dict[str, Any] = {"type": "object", "properties": {}}


def _allowed(tool: McpTool) -> set[str] | None:
    allowed = tool.allowed_tools
    if allowed is None:
        return None
    if isinstance(allowed, dict):
        return set(allowed.get("tool_names") or [])
    return set(allowed)


async def resolve(
    request: CreateResponseRequest, tool_runtime: Any
) -> tuple[dict[str, ServerTool], list[McpListToolsItem]]:
    """(the server tools by name, the mcp_list_tools items to report); a 400 names what is wrong."""
    tools: dict[str, ServerTool] = {}
    listed: list[McpListToolsItem] = []
    mcp_tools = [(i, t) for i, t in enumerate(request.tools or []) if isinstance(t, McpTool)]
    if (mcp_tools or request.toolgroups) and tool_runtime is None:
        raise BadRequestError(
            "tools: mcp tools and toolgroups need the tool_runtime API, which this stack does not serve"
        )
    for index, tool in mcp_tools:
        if tool.require_approval != "never":
            raise BadRequestError(f"tools[{index}].require_approval: only 'never' is served (no approval flow yet)")
        endpoint = McpEndpoint(uri=tool.server_url)
        data = ProviderData(mcp_headers={tool.server_url: tool.headers or {}})
        defs = await tool_runtime.list_runtime_tools(ListRuntimeToolsRequest(mcp_endpoint=endpoint), data)
        allowed = _allowed(tool)
        defs = [d for d in defs if allowed is None or d.name in allowed]
        listed.append(
            McpListToolsItem(
                id=new_id("mcpl"),
                server_label=tool.server_label,
                tools=[{"name": d.name, "description": d.description, "input_schema": d.input_schema} for d in defs],
            )
        )
        for d in defs:
            _add(tools, d, tool.server_label, _endpoint_invoker(tool_runtime, endpoint, d.name, data))
    for entry in request.toolgroups or []:
        name, args = (entry, {}) if isinstance(entry, str) else (str(entry.get("name")), dict(entry.get("args") or {}))
        group, _, only = name.partition("/")
        defs = await tool_runtime.list_tools(group, ProviderData())
        if only:
            defs = [d for d in defs if d.name == only]
            if not defs:
                raise BadRequestError(f"toolgroups: {group!r} has no tool {only!r}")
        for d in defs:
            _add(tools, d, group, _group_invoker(tool_runtime, d.name, args))
    functions = {t.name for t in request.tools or [] if isinstance(t, FunctionTool)}
    clash = sorted(functions & set(tools))
    if clash:
        raise BadRequestError(f"tools: {', '.join(clash)} is both a function tool and a server tool; rename one")
    return tools, listed


def _add(tools: dict[str, ServerTool], definition: ToolDef, label: str, invoke: Any) -> None:
    if definition.name in tools:
        other = tools[definition.name].label
        raise BadRequestError(f"tools: {definition.name!r} is offered by both {other!r} and {label!r}")
    tools[definition.name] = ServerTool(
        name=definition.name,
        description=definition.description,
        parameters=definition.input_schema or EMPTY_OBJECT,
        label=label,
        invoke=invoke,
    )


def _endpoint_invoker(tool_runtime: Any, endpoint: McpEndpoint, name: str, data: ProviderData) -> Any:
    async def invoke(kwargs: dict[str, Any]) -> Any:
        return await tool_runtime.invoke_endpoint_tool(endpoint, InvokeToolRequest(tool_name=name, kwargs=kwargs), data)

    return invoke


def _group_invoker(tool_runtime: Any, name: str, args: dict[str, Any]) -> Any:
    async def invoke(kwargs: dict[str, Any]) -> Any:
        request = InvokeToolRequest(tool_name=name, kwargs={**kwargs, **args})
        return await tool_runtime.invoke_tool(request, ProviderData())

    return invoke
