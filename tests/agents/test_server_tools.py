"""Server-side tools inside the loop: an MCP server's (the Responses `mcp` tool) and a registered
tool group's (/v1alpha/agents toolgroups), run between model calls as `mcp_call` items / steps."""

import json
import time

import httpx
from llama_stack_client import LlamaStackClient
from openai import OpenAI

from tests.agents.conftest import SCRIPTED
from tests.support.mcp_server import McpServers


def mcp_tool(mcp: McpServers, *allowed: str) -> dict:
    return {
        "type": "mcp",
        "server_label": "tools",
        "server_url": mcp.open_url,
        "require_approval": "never",
        "allowed_tools": list(allowed),
    }


def test_a_response_calls_an_mcp_tool_and_answers_with_its_output(openai_client: OpenAI, mcp: McpServers) -> None:
    response = openai_client.responses.create(model=SCRIPTED, input="Paris", tools=[mcp_tool(mcp, "weather")])
    assert [item.type for item in response.output] == ["mcp_list_tools", "mcp_call", "message"]
    listed, call, _ = response.output
    assert [tool.name for tool in listed.tools] == ["weather"]
    assert (call.name, json.loads(call.arguments), call.server_label) == ("weather", {"city": "Paris"}, "tools")
    assert json.loads(call.output)["conditions"] == "sunny" and call.error is None
    assert response.output_text == f"The tool said: {call.output} (tool_choice=auto)"


def test_a_failing_mcp_tool_is_shown_to_the_model(openai_client: OpenAI, mcp: McpServers) -> None:
    response = openai_client.responses.create(model=SCRIPTED, input="why", tools=[mcp_tool(mcp, "explode")])
    call = response.output[1]
    assert call.type == "mcp_call" and "boom: why" in call.error
    assert response.output_text.startswith("The tool said: error:") and "boom: why" in response.output_text


def test_max_infer_iters_ends_with_what_the_response_has(openai_client: OpenAI, mcp: McpServers) -> None:
    response = openai_client.responses.create(
        model=SCRIPTED, input="Oslo", tools=[mcp_tool(mcp, "weather")], extra_body={"max_infer_iters": 1}
    )
    assert response.status == "completed"
    assert [item.type for item in response.output] == ["mcp_list_tools", "mcp_call"]


def test_streamed_server_tool_items(openai_client: OpenAI, mcp: McpServers) -> None:
    events = list(
        openai_client.responses.create(model=SCRIPTED, input="Rome", tools=[mcp_tool(mcp, "weather")], stream=True)
    )
    added = [e.item.type for e in events if e.type == "response.output_item.added"]
    assert added == ["mcp_list_tools", "mcp_call", "message"]
    done_call = next(e.item for e in events if e.type == "response.output_item.done" and e.item.type == "mcp_call")
    assert json.loads(done_call.output)["city"] == "Rome"
    assert events[-1].type == "response.completed"


def test_an_agent_turn_runs_the_code_interpreter(stack_client: LlamaStackClient) -> None:
    agent_id = stack_client.alpha.agents.create(
        agent_config={"model": SCRIPTED, "instructions": "Compute.", "toolgroups": ["builtin::code_interpreter"]}
    ).agent_id
    session_id = stack_client.alpha.agents.session.create(agent_id=agent_id, session_name="code").session_id
    chunks = [
        chunk.event.payload.to_dict()
        for chunk in stack_client.alpha.agents.turn.create(
            agent_id=agent_id,
            session_id=session_id,
            messages=[{"role": "user", "content": "print(6 * 7)"}],
            stream=True,
        )
    ]
    kinds = [(c["event_type"], c.get("step_type")) for c in chunks]
    assert kinds[-1] == ("turn_complete", None)
    turn = chunks[-1]["turn"]
    assert [step["step_type"] for step in turn["steps"]] == ["inference", "tool_execution", "inference"]
    execution = turn["steps"][1]
    assert execution["tool_calls"][0]["tool_name"] == "code_interpreter"
    assert "42" in execution["tool_responses"][0]["content"]
    assert turn["output_message"]["content"].startswith("The tool said:") and "42" in turn["output_message"]["content"]
    start = next(c for c in chunks if c["event_type"] == "step_start" and c["step_type"] == "tool_execution")
    assert start["metadata"]["server_side"] is True


def test_unknown_groups_and_clashing_names_are_refused(http: httpx.Client, mcp: McpServers) -> None:
    unknown = http.post(
        "/v1alpha/agents",
        json={"agent_config": {"model": SCRIPTED, "instructions": "x", "toolgroups": ["mcp::nowhere"]}},
    )
    assert unknown.status_code == 404 and "mcp::nowhere" in unknown.json()["detail"]
    clash = http.post(
        "/v1alpha/agents",
        json={
            "agent_config": {
                "model": SCRIPTED,
                "instructions": "x",
                "toolgroups": ["builtin::code_interpreter"],
                "client_tools": [{"name": "code_interpreter", "input_schema": {"type": "object"}}],
            }
        },
    )
    assert clash.status_code == 400 and "code_interpreter" in clash.json()["detail"]


def test_file_search_finds_a_planted_passage(openai_client: OpenAI) -> None:
    notes = b"Plovers nest on shingle beaches.\n\nThe vault code is 7319, kept by the night porter.\n"
    file = openai_client.files.create(file=("notes.txt", notes), purpose="assistants")
    store = openai_client.vector_stores.create(name="notes", file_ids=[file.id])
    deadline = time.monotonic() + 60
    while openai_client.vector_stores.retrieve(store.id).file_counts.completed < 1:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    response = openai_client.responses.create(
        model=SCRIPTED,
        input="vault code",
        tools=[{"type": "file_search", "vector_store_ids": [store.id], "max_num_results": 3}],
    )
    assert [item.type for item in response.output] == ["file_search_call", "message"]
    search = response.output[0]
    assert search.queries == ["vault code"] and search.status == "completed"
    assert search.results and "7319" in search.results[0].text and search.results[0].filename == "notes.txt"
    assert "7319" in response.output_text  # the model read the passage


def test_file_search_over_an_unknown_store_is_a_404(http: httpx.Client) -> None:
    body = {"model": SCRIPTED, "input": "x", "tools": [{"type": "file_search", "vector_store_ids": ["vs_nope"]}]}
    response = http.post("/v1/responses", json=body)
    assert response.status_code == 404 and "vs_nope" in response.json()["detail"]
