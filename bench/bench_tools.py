"""What the tool runtime adds to a tool call (issue 12): the same MCP call (``add``) made with the
``mcp`` client directly (one session reused: the fairest baseline) and through plugstack's
``/v1/tool-runtime/invoke`` on a keep-alive client, interleaved call by call against the same real
MCP server; the added time is the median of the paired differences. Two plugstack servers run side
by side: MCP sessions pooled (the default) and a new session per request (``session_idle_s: 0``,
what every call cost before pooling). Also the code interpreter's start-to-result time for
``print(1+1)`` (a fresh sandboxed process per run).

Both servers run on this machine, so every number includes the loopback hops and shares the CPUs.
"""

import asyncio
import logging
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
import httpx2
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

from tests.support.mcp_server import run_mcp_servers
from tests.support.server import run_server

ROUNDS = 200
WARMUP = 20
INTERPRETER_RUNS = 40
ARGS = {"a": 2, "b": 40}
MODES = {"pooled": 120, "per_request": 0}  # session_idle_s


def _run_yaml(session_idle_s: float) -> str:
    return f"""\
version: 1
distribution: bench-tools
apis: [tool_runtime]
providers:
  tool_runtime:
    - provider_id: model-context-protocol
      provider_type: remote::model-context-protocol
      config: {{session_idle_s: {session_idle_s}}}
    - provider_id: code-interpreter
      provider_type: inline::code-interpreter
registered_resources:
  tool_groups:
    - {{toolgroup_id: "builtin::code_interpreter", provider_id: code-interpreter}}
"""


def _ms(values: list[float]) -> dict[str, float]:
    """p50 and p95 in milliseconds."""
    ordered = sorted(values)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000, 2),
    }


async def _timed_direct(session: ClientSession) -> float:
    started = time.perf_counter()
    result = await session.call_tool("add", ARGS)
    elapsed = time.perf_counter() - started
    assert result.content[0].text == "42", result  # type: ignore[union-attr]
    return elapsed


async def _timed_invoke(http: httpx.AsyncClient, tool_name: str, kwargs: dict[str, object]) -> tuple[float, dict]:
    started = time.perf_counter()
    response = await http.post("/v1/tool-runtime/invoke", json={"tool_name": tool_name, "kwargs": kwargs})
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed, response.json()


async def _measure(base_urls: dict[str, str], mcp_url: str) -> dict[str, object]:
    async with (
        httpx2.AsyncClient(timeout=60) as mcp_http,
        streamable_http_client(mcp_url, http_client=mcp_http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        clients = {mode: httpx.AsyncClient(base_url=url, timeout=60) for mode, url in base_urls.items()}
        try:
            return await _rounds(session, clients, mcp_url)
        finally:
            for client in clients.values():
                await client.aclose()


async def _rounds(session: ClientSession, clients: dict[str, httpx.AsyncClient], mcp_url: str) -> dict[str, object]:
    group = {"toolgroup_id": "mcp::bench", "mcp_endpoint": {"uri": mcp_url}}
    for http in clients.values():
        (await http.post("/v1/toolgroups", json=group)).raise_for_status()
    for _ in range(WARMUP):
        await _timed_direct(session)
        for http in clients.values():
            await _timed_invoke(http, "add", ARGS)
    direct: list[float] = []
    through: dict[str, list[float]] = {mode: [] for mode in clients}
    added: dict[str, list[float]] = {mode: [] for mode in clients}
    for _ in range(ROUNDS):
        d = await _timed_direct(session)
        direct.append(d)
        for mode, http in clients.items():
            t, body = await _timed_invoke(http, "add", ARGS)
            assert body["content"][0]["text"] == "42", body
            through[mode].append(t)
            added[mode].append(t - d)
    interpreter = []
    for _ in range(INTERPRETER_RUNS):
        t, body = await _timed_invoke(clients["pooled"], "code_interpreter", {"code": "print(1+1)"})
        assert body["error_message"] is None and "2" in str(body["content"]), body
        interpreter.append(t)
    results: dict[str, object] = {"rounds": ROUNDS, "mcp_direct": _ms(direct)}
    for mode in clients:
        results[f"mcp_via_plugstack_{mode}"] = {
            **_ms(through[mode]),
            "added_ms_paired_median": round(statistics.median(added[mode]) * 1000, 2),
        }
    results["code_interpreter_print"] = {"runs": INTERPRETER_RUNS, **_ms(interpreter)}
    return results


def main() -> dict[str, object]:
    for name in ("httpx", "httpx2", "mcp"):  # one INFO line per request would drown the table
        logging.getLogger(name).setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        mcp = stack.enter_context(run_mcp_servers())
        urls = {
            mode: stack.enter_context(run_server(_run_yaml(idle), Path(tmp) / mode)).base_url
            for mode, idle in MODES.items()
        }
        results = asyncio.run(_measure(urls, mcp.open_url))
    for name, value in results.items():
        print(f"{name:34s} {value}")
    return results
