"""The tools the loop runs itself, resolved once per response: the Responses API's ``mcp`` tools
(an MCP server by URL, its headers with it) and registered tool groups (``toolgroups``, what
/v1alpha/agents turns use; ``"group/tool"`` picks one tool) through the tool runtime API, and
``file_search`` over vector stores through the vector_io API.

Credentials for MCP servers come per request (``provider_data.mcp_headers``, overriding an ``mcp``
tool's own ``headers``) and live only in the invokers' closures, for the length of the run.
"""

from typing import Any

from plugstack.apis.agents.items import FileSearchResult, McpListToolsItem, new_id
from plugstack.apis.agents.responses import CreateResponseRequest, FileSearchTool, FunctionTool, McpTool
from plugstack.apis.tool_runtime.models import (
    NO_PROVIDER_DATA,
    InvokeToolRequest,
    McpEndpoint,
    ProviderData,
    ToolDef,
)
from plugstack.apis.tool_runtime.protocol import ListRuntimeToolsRequest
from plugstack.apis.vector_io.search import search_stores
from plugstack.errors import BadRequestError, NotFoundError
from plugstack_agents.loop import ServerTool

EMPTY_OBJECT: dict[str, Any] = {"type": "object", "properties": {}}


def _allowed(tool: McpTool) -> set[str] | None:
    allowed = tool.allowed_tools
    if allowed is None:
        return None
    if isinstance(allowed, dict):
        return set(allowed.get("tool_names") or [])
    return set(allowed)


def _approval(tool: McpTool, index: int) -> Any:
    """``require_approval`` as a predicate on tool names: "always", "never", or a filter
    ``{always: {tool_names}, never: {tool_names}}`` (a name in neither list needs approval unless
    the filter names the ones that do)."""
    policy = tool.require_approval
    if policy in (None, "never", "always"):
        return lambda name: policy == "always"
    field = f"tools[{index}].require_approval"
    if not isinstance(policy, dict) or not set(policy) <= {"always", "never"}:
        raise BadRequestError(f'{field}: expected "always", "never" or {{always|never: {{tool_names: [...]}}}}')
    lists: dict[str, set[str]] = {}
    for key, value in policy.items():
        if not isinstance(value, dict) or set(value) - {"tool_names"}:
            raise BadRequestError(f"{field}.{key}: only tool_names filters are served (not read_only)")
        lists[key] = set(value.get("tool_names") or [])
    always, never, listed_always = lists.get("always", set()), lists.get("never", set()), "always" in policy
    return lambda name: name in always or (name not in never and not listed_always)


SEARCH_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {"query": {"type": "string", "description": "what to look for in the files"}},
    "required": ["query"],
}


async def resolve(
    request: CreateResponseRequest, tool_runtime: Any, vector_io: Any, provider_data: ProviderData = NO_PROVIDER_DATA
) -> tuple[dict[str, ServerTool], list[McpListToolsItem]]:
    """(the server tools by name, the mcp_list_tools items to report); a 400 names what is wrong."""
    tools: dict[str, ServerTool] = {}
    listed: list[McpListToolsItem] = []
    searches = [(i, t) for i, t in enumerate(request.tools or []) if isinstance(t, FileSearchTool)]
    if searches:
        if vector_io is None:
            raise BadRequestError("tools: file_search needs the vector_io API, which this stack does not serve")
        for index, tool in searches:
            for store_id in tool.vector_store_ids:
                try:
                    await vector_io.retrieve_vector_store(store_id)
                except NotFoundError:
                    raise NotFoundError(
                        f"tools[{index}].vector_store_ids: vector store {store_id!r} not found"
                    ) from None
        search = ToolDef(
            name="file_search",
            description="Search the attached files for passages relevant to a query.",
            input_schema=SEARCH_PARAMETERS,
        )
        invoke = _search_invoker(vector_io, [tool for _, tool in searches])
        _add(tools, search, "file_search", invoke, kind="file_search_call")
    mcp_tools = [(i, t) for i, t in enumerate(request.tools or []) if isinstance(t, McpTool)]
    if (mcp_tools or request.toolgroups) and tool_runtime is None:
        raise BadRequestError(
            "tools: mcp tools and toolgroups need the tool_runtime API, which this stack does not serve"
        )
    for index, tool in mcp_tools:
        needs_approval = _approval(tool, index)
        endpoint = McpEndpoint(uri=tool.server_url)
        headers = {**(tool.headers or {}), **provider_data.headers_for(tool.server_url)}
        data = ProviderData(mcp_headers={tool.server_url: headers})
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
            invoke = _endpoint_invoker(tool_runtime, endpoint, d.name, data)
            _add(tools, d, tool.server_label, invoke, needs_approval=needs_approval(d.name))
    for entry in request.toolgroups or []:
        name, args = (entry, {}) if isinstance(entry, str) else (str(entry.get("name")), dict(entry.get("args") or {}))
        group, _, only = name.partition("/")
        defs = await tool_runtime.list_tools(group, provider_data)
        if only:
            defs = [d for d in defs if d.name == only]
            if not defs:
                raise BadRequestError(f"toolgroups: {group!r} has no tool {only!r}")
        for d in defs:
            _add(tools, d, group, _group_invoker(tool_runtime, d.name, args, provider_data))
    functions = {t.name for t in request.tools or [] if isinstance(t, FunctionTool)}
    clash = sorted(functions & set(tools))
    if clash:
        raise BadRequestError(f"tools: {', '.join(clash)} is both a function tool and a server tool; rename one")
    return tools, listed


def _add(
    tools: dict[str, ServerTool],
    definition: ToolDef,
    label: str,
    invoke: Any,
    kind: str = "mcp_call",
    needs_approval: bool = False,
) -> None:
    if definition.name in tools:
        other = tools[definition.name].label
        raise BadRequestError(f"tools: {definition.name!r} is offered by both {other!r} and {label!r}")
    tools[definition.name] = ServerTool(
        name=definition.name,
        description=definition.description,
        parameters=definition.input_schema or EMPTY_OBJECT,
        label=label,
        invoke=invoke,
        kind=kind,  # type: ignore[arg-type]
        needs_approval=needs_approval,
    )


def _endpoint_invoker(tool_runtime: Any, endpoint: McpEndpoint, name: str, data: ProviderData) -> Any:
    async def invoke(kwargs: dict[str, Any]) -> Any:
        return await tool_runtime.invoke_endpoint_tool(endpoint, InvokeToolRequest(tool_name=name, kwargs=kwargs), data)

    return invoke


def _group_invoker(tool_runtime: Any, name: str, args: dict[str, Any], data: ProviderData) -> Any:
    async def invoke(kwargs: dict[str, Any]) -> Any:
        request = InvokeToolRequest(tool_name=name, kwargs={**kwargs, **args})
        return await tool_runtime.invoke_tool(request, data)

    return invoke


def _search_invoker(vector_io: Any, searches: list[FileSearchTool]) -> Any:
    """Every store of every file_search tool, best results first (each tool's own limit and filters)."""

    async def invoke(kwargs: dict[str, Any]) -> list[FileSearchResult]:
        query = str(kwargs.get("query", ""))
        found: list[Any] = []
        for tool in searches:  # the RAG tool's search too (plugstack.apis.vector_io.search)
            limit = tool.max_num_results or 10
            stores = tool.vector_store_ids
            found += await search_stores(vector_io, stores, query, max_results=limit, filters=tool.filters)
        found.sort(key=lambda scored: scored.score, reverse=True)
        limit = max(tool.max_num_results or 10 for tool in searches)
        return [
            FileSearchResult(
                file_id=scored.chunk.file_id,
                filename=scored.chunk.metadata.get("filename"),
                score=scored.score,
                text=scored.chunk.text,
                attributes=scored.chunk.attributes,
            )
            for scored in found[:limit]
        ]

    return invoke
