"""Connecting to an MCP server (Streamable HTTP, or SSE) and initializing a session; what its
failures mean to a caller.

Failures come out as the stack's errors, with the server named and credentials never echoed:
a 401/403 from the server is an `UnauthorizedError` saying how to pass credentials, anything
else (unreachable, timed out, an MCP error) a `ProviderFailedError`.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx2
from mcp.client.session import ClientSession
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from plugstack.apis.tool_runtime.models import PROVIDER_DATA_HEADER
from plugstack.errors import ProviderFailedError, UnauthorizedError

T = TypeVar("T")


class _AuthRefused(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class SessionExpired(Exception):
    """The server no longer knows the session (it restarted, or ended it): a fresh one is needed."""


async def _check_status(response: httpx2.Response) -> None:
    """An httpx2 response hook: the SDK turns a 401 into an anonymous error and a 404 for a session
    into a JSON-RPC error like any other; these keep them apart."""
    if response.status_code in (401, 403):
        raise _AuthRefused(response.status_code)
    if response.status_code == 404 and "mcp-session-id" in response.request.headers:
        raise SessionExpired(f"the server answered 404 to {response.request.method} with a session id")


def _http_client(
    headers: dict[str, Any] | None = None, timeout: httpx2.Timeout | None = None, auth: httpx2.Auth | None = None
) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(headers=headers, timeout=timeout, auth=auth, event_hooks={"response": [_check_status]})


def uses_sse(uri: str) -> bool:
    return urlsplit(uri).path.rstrip("/").endswith("/sse")


@asynccontextmanager
async def open_session(uri: str, headers: dict[str, str], timeout_s: float) -> AsyncIterator[ClientSession]:
    if uses_sse(uri):
        transport = sse_client(
            uri, headers=headers, timeout=timeout_s, sse_read_timeout=timeout_s, httpx_client_factory=_http_client
        )
        async with transport as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            yield session
        return
    async with (
        _http_client(headers=headers, timeout=httpx2.Timeout(timeout_s)) as http,
        streamable_http_client(uri, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


async def translated(uri: str, had_credentials: bool, timeout_s: float, request: Awaitable[T]) -> T:
    """``request``'s result within ``timeout_s``; whatever fails comes out as the stack's error."""
    try:
        async with asyncio.timeout(timeout_s):
            return await request
    except TimeoutError:
        raise ProviderFailedError(f"MCP server {uri} did not answer within {timeout_s:g} s") from None
    except Exception as exc:  # noqa: BLE001 - translated below, whatever the SDK wrapped it in
        raise _translate(uri, had_credentials, exc) from None


def leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in leaves(inner)]
    return [exc]


def _translate(uri: str, had_credentials: bool, exc: Exception) -> Exception:
    found = leaves(exc)
    refused = next((leaf for leaf in found if isinstance(leaf, _AuthRefused)), None)
    if refused is not None:
        if had_credentials:
            return UnauthorizedError(f"MCP server {uri} refused the credentials given for it (HTTP {refused.status})")
        return UnauthorizedError(
            f"MCP server {uri} requires credentials (HTTP {refused.status}): pass them in the "
            f'{PROVIDER_DATA_HEADER} header as {{"mcp_headers": {{"{uri}": {{"Authorization": "Bearer <token>"}}}}}}'
        )
    leaf = found[0]
    if isinstance(leaf, httpx2.TimeoutException):
        return ProviderFailedError(f"MCP server {uri} timed out: {type(leaf).__name__}")
    if isinstance(leaf, httpx2.TransportError):
        return ProviderFailedError(f"MCP server {uri} cannot be reached: {leaf}")
    if isinstance(leaf, MCPError):
        return ProviderFailedError(f"MCP server {uri} answered an error: {leaf.error.message}")
    return ProviderFailedError(f"MCP request to {uri} failed: {type(leaf).__name__}: {leaf}")
