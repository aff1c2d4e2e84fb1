"""Real MCP servers for tool tests, written with the `mcp` SDK's server side.

``python -m tests.support.mcp_server OPEN_PORT SECURE_PORT SSE_PORT TOKEN`` serves two Streamable
HTTP servers at ``/mcp``: an open one (arithmetic, structured weather, a nested-model argument, a
failing tool) and one that answers 401 to any request without ``Authorization: Bearer TOKEN``;
and the open one again over SSE at ``/sse``.
"""

import asyncio
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

from tests.support.server import free_port

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class Weather(BaseModel):
    city: str
    temperature_c: float = Field(description="degrees Celsius")
    conditions: str


class Point(BaseModel):
    x: float
    y: float


def open_server() -> MCPServer:
    server = MCPServer("plugstack-test-tools", log_level="WARNING")

    @server.tool(description="Add two integers.")
    def add(a: int, b: int) -> int:
        return a + b

    @server.tool(description="Current weather in a city (structured output).")
    def weather(city: str) -> Weather:
        return Weather(city=city, temperature_c=21.5, conditions="sunny")

    @server.tool(description="Distance between two points (its input schema has $defs).")
    def distance(a: Point, b: Point) -> float:
        return ((a.x - b.x) ** 2 + (a.y - b.y) ** 2) ** 0.5

    @server.tool(description="Always fails.")
    def explode(reason: str) -> str:
        raise ToolError(f"boom: {reason}")

    return server


def secure_server() -> MCPServer:
    server = MCPServer("plugstack-test-secrets", log_level="WARNING")

    @server.tool(description="A secret only authorised callers may read.")
    def secret(name: str) -> str:
        return f"the secret of {name} is 42"

    return server


def require_bearer(app: ASGIApp, token: str) -> ASGIApp:
    """401 for any HTTP request whose Authorization header is not ``Bearer <token>``."""
    expected = f"Bearer {token}".encode()

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and dict(scope["headers"]).get(b"authorization") != expected:
            headers = [(b"content-type", b"application/json"), (b"www-authenticate", b'Bearer realm="mcp"')]
            await send({"type": "http.response.start", "status": 401, "headers": headers})
            await send({"type": "http.response.body", "body": b'{"error": "unauthorized"}'})
            return
        await app(scope, receive, send)

    return guarded


async def serve(open_port: int, secure_port: int, sse_port: int, token: str) -> None:
    servers = [
        uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
        for app, port in (
            (open_server().streamable_http_app(), open_port),
            (require_bearer(secure_server().streamable_http_app(), token), secure_port),
            (open_server().sse_app(), sse_port),
        )
    ]
    await asyncio.gather(*(server.serve() for server in servers))


@dataclass(frozen=True)
class McpServers:
    open_url: str
    secure_url: str
    sse_url: str
    token: str


@contextmanager
def run_mcp_servers(token: str = "s3cret-token", ports: list[int] | None = None) -> Iterator[McpServers]:
    """Both servers in a child process until the block ends (on ``ports``, to restart them in place)."""
    ports = ports or [free_port() for _ in range(3)]
    process = subprocess.Popen([sys.executable, "-m", "tests.support.mcp_server", *map(str, ports), token])
    try:
        for port in ports:
            _wait_for_port(port, process)
        open_url, secure_url, sse_url = (
            f"http://127.0.0.1:{port}/{path}" for port, path in zip(ports, ("mcp", "mcp", "sse"), strict=True)
        )
        yield McpServers(open_url, secure_url, sse_url, token)
    finally:
        process.terminate()
        process.wait(10)


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the MCP test servers exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"the MCP test server on port {port} did not start in {timeout} s")


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]))
