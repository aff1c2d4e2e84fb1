"""`remote::model-context-protocol`: each tool group is one MCP server (its ``mcp_endpoint``).

Tools are listed on first use and cached per group and per set of credentials (a server may
show different tools to different callers); credentials come per request from provider data's
``mcp_headers`` and are never stored or logged. Requests go over pooled sessions (pool.py): one
per server and set of credentials, reused until idle, replaced when the server restarts.
"""

import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar
from urllib.parse import urlsplit

import mcp_types as types
from mcp.client.session import ClientSession

from plugstack.apis.tool_runtime.models import (
    ProviderData,
    RegisterToolGroupRequest,
    ToolDef,
    ToolGroup,
    ToolInvocationResult,
)
from plugstack.errors import BadRequestError
from plugstack_mcp.client import translated
from plugstack_mcp.config import McpConfig
from plugstack_mcp.convert import invocation_result, tool_def
from plugstack_mcp.pool import SessionPool

T = TypeVar("T")

MAX_PAGES = 100  # a server whose listing never ends cannot hang a request


async def _all_tools(session: ClientSession) -> list[types.Tool]:
    tools: list[types.Tool] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        params = types.PaginatedRequestParams(cursor=cursor) if cursor else None
        page = await session.list_tools(params=params)
        tools.extend(page.tools)
        cursor = page.next_cursor
        if not cursor:
            break
    return tools


def _endpoint(group: ToolGroup) -> str:
    if group.mcp_endpoint is None:
        raise BadRequestError(f"tool group {group.identifier!r} has no mcp_endpoint")
    return group.mcp_endpoint.uri


class McpToolRuntime:
    def __init__(self, config: McpConfig) -> None:
        self.config = config
        self._tools: dict[tuple[str, str], tuple[float, list[ToolDef]]] = {}  # (group, credentials digest)
        self._pool = SessionPool(
            timeout_s=max(config.list_timeout_s, config.call_timeout_s),
            idle_s=config.session_idle_s,
            max_calls=config.max_calls_per_session,
            max_sessions=config.max_sessions,
        )

    async def shutdown(self) -> None:
        await self._pool.close()

    async def _request(
        self, uri: str, headers: dict[str, str], timeout_s: float, operation: Callable[[ClientSession], Awaitable[T]]
    ) -> T:
        return await translated(uri, bool(headers), timeout_s, self._pool.request(uri, headers, operation))

    def accepts(self, request: RegisterToolGroupRequest) -> bool:
        return request.mcp_endpoint is not None

    async def register_resource(self, group: ToolGroup) -> None:
        uri = _endpoint(group)
        parts = urlsplit(uri)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise BadRequestError(f"mcp_endpoint.uri: expected an http(s) URL of an MCP server, got {uri!r}")

    async def unregister_resource(self, group: ToolGroup) -> None:
        for key in [key for key in self._tools if key[0] == group.identifier]:
            del self._tools[key]

    async def list_tools(self, group: ToolGroup, provider_data: ProviderData) -> list[ToolDef]:
        uri = _endpoint(group)
        headers = provider_data.headers_for(uri)
        digest = hashlib.sha256(json.dumps([uri, sorted(headers.items())]).encode()).hexdigest()
        key = (group.identifier, digest)
        now = time.monotonic()
        cached = self._tools.get(key)
        if cached is not None and now - cached[0] < self.config.tools_cache_ttl_s:
            return cached[1]
        listed = await self._request(uri, headers, self.config.list_timeout_s, _all_tools)
        tools = [tool_def(tool, uri) for tool in listed]
        self._tools = {k: v for k, v in self._tools.items() if now - v[0] < self.config.tools_cache_ttl_s}
        if self.config.tools_cache_ttl_s > 0:
            self._tools[key] = (now, tools)
        return tools

    async def invoke_tool(
        self, group: ToolGroup, tool_name: str, kwargs: dict[str, object], provider_data: ProviderData
    ) -> ToolInvocationResult:
        uri = _endpoint(group)

        async def call(session: ClientSession) -> types.CallToolResult:
            return await session.call_tool(tool_name, kwargs)

        result = await self._request(uri, provider_data.headers_for(uri), self.config.call_timeout_s, call)
        return invocation_result(result)
