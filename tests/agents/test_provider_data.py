"""Per-request credentials (`X-LlamaStack-Provider-Data: {"mcp_headers": {uri: {...}}}`) reach the
MCP calls made inside a response or a /v1alpha turn, streamed or not, and are never stored or
logged. Two real MCP servers: the token-protected one (every HTTP request needs the token) and one
here whose tool checks the token per call (its tools can be listed without it)."""

import json
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from llama_stack_client import LlamaStackClient
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from openai import OpenAI

from tests.agents.conftest import SCRIPTED
from tests.support.mcp_server import McpServers
from tests.support.server import RunningServer, free_port

TOKEN = "per-call-t0ken"


@pytest.fixture(scope="module")
def vault_url() -> Iterator[str]:
    """An MCP server whose one tool answers only callers that send ``Bearer TOKEN``."""
    app = MCPServer("vault", log_level="WARNING")

    @app.tool(description="Open the vault of a name.")
    def vault(name: str, ctx: Context) -> str:
        if (ctx.headers or {}).get("authorization") != f"Bearer {TOKEN}":
            raise ToolError("unauthorized: send a bearer token")
        return f"the vault of {name} holds 7 coins"

    port = free_port()
    config = uvicorn.Config(app.streamable_http_app(), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the vault MCP server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/mcp"
    server.should_exit = True
    thread.join(10)


def provider_data(uri: str, token: str) -> dict[str, str]:
    return {"X-LlamaStack-Provider-Data": json.dumps({"mcp_headers": {uri: {"Authorization": f"Bearer {token}"}}})}


def secure_tool(mcp: McpServers, **extra: object) -> dict:
    return {"type": "mcp", "server_label": "secure", "server_url": mcp.secure_url, "require_approval": "never", **extra}


def test_a_response_calls_a_protected_server_with_the_callers_token(
    openai_client: OpenAI, http: httpx.Client, server: RunningServer, mcp: McpServers
) -> None:
    refused = http.post("/v1/responses", json={"model": SCRIPTED, "input": "x", "tools": [secure_tool(mcp)]})
    assert refused.status_code == 401 and "mcp_headers" in refused.json()["detail"]
    stored_ids = []
    for stream in (False, True):
        kwargs = {"model": SCRIPTED, "input": "Ada", "tools": [secure_tool(mcp)], "stream": stream}
        result = openai_client.responses.create(**kwargs, extra_headers=provider_data(mcp.secure_url, mcp.token))
        response = list(result)[-1].response if stream else result
        call = next(item for item in response.output if item.type == "mcp_call")
        assert call.output == "the secret of Ada is 42" and call.error is None
        stored_ids.append(response.id)
    # a token in the tool's own headers works too, and is not kept with the response either
    with_headers = openai_client.responses.create(
        model=SCRIPTED, input="Bo", tools=[secure_tool(mcp, headers={"Authorization": f"Bearer {mcp.token}"})]
    )
    assert with_headers.output[1].output == "the secret of Bo is 42"
    for response_id in [*stored_ids, with_headers.id]:
        for path in (f"/v1/responses/{response_id}", f"/v1/responses/{response_id}/input_items"):
            stored = http.get(path)
            assert stored.status_code == 200 and mcp.token not in stored.text
    assert mcp.token not in server.log()


def test_a_turn_passes_the_token_to_its_tool_group(
    stack_client: LlamaStackClient, http: httpx.Client, server: RunningServer, vault_url: str
) -> None:
    group = {"toolgroup_id": "mcp::vault", "mcp_endpoint": {"uri": vault_url}}
    assert http.post("/v1/toolgroups", json=group).status_code == 200
    agents = stack_client.alpha.agents
    agent_id = agents.create(
        agent_config={"model": SCRIPTED, "instructions": "x", "toolgroups": ["mcp::vault"]}
    ).agent_id
    session_id = agents.session.create(agent_id=agent_id, session_name="vault").session_id

    def turn(stream: bool, headers: dict[str, str] | None = None) -> dict:
        messages = [{"role": "user", "content": "Ada"}]
        extra = {"extra_headers": headers} if headers else {}
        if not stream:
            reply = http.post(
                f"/v1alpha/agents/{agent_id}/session/{session_id}/turn",
                json={"messages": messages, "stream": False},
                headers=headers or {},
            )
            assert reply.status_code == 200, reply.text
            return reply.json()
        chunks = agents.turn.create(agent_id=agent_id, session_id=session_id, messages=messages, stream=True, **extra)
        return [chunk.event.payload.to_dict() for chunk in chunks][-1]["turn"]

    def tool_output(turn: dict) -> str:
        (execution,) = [step for step in turn["steps"] if step["step_type"] == "tool_execution"]
        return execution["tool_responses"][0]["content"]

    without = turn(stream=True)
    assert "unauthorized" in tool_output(without)  # the model read the tool's error
    assert "unauthorized" in without["output_message"]["content"]
    for stream in (True, False):
        done = turn(stream, provider_data(vault_url, TOKEN))
        assert tool_output(done) == "the vault of Ada holds 7 coins"
        assert "7 coins" in done["output_message"]["content"]
    session = http.get(f"/v1alpha/agents/{agent_id}/session/{session_id}")
    assert session.status_code == 200 and len(session.json()["turns"]) == 3 and TOKEN not in session.text
    conversation = http.get(f"/v1/conversations/{session_id}/items", params={"limit": 100})
    assert conversation.status_code == 200 and TOKEN not in conversation.text
    assert TOKEN not in server.log()
