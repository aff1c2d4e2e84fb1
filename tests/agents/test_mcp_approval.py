"""The Responses `mcp` tool's approval flow through the openai client: a call that needs approval
ends the response with an `mcp_approval_request`; the caller's `mcp_approval_response` (with
`previous_response_id`) runs it or tells the model it was denied."""

import json

import httpx
import pytest
from openai import OpenAI

from tests.agents.conftest import SCRIPTED
from tests.support.mcp_server import McpServers


def weather_tool(mcp: McpServers, require_approval: object) -> dict:
    return {
        "type": "mcp",
        "server_label": "tools",
        "server_url": mcp.open_url,
        "require_approval": require_approval,
        "allowed_tools": ["weather"],
    }


def test_an_approved_call_runs_and_the_loop_goes_on(openai_client: OpenAI, mcp: McpServers) -> None:
    tools = [weather_tool(mcp, "always")]
    first = openai_client.responses.create(model=SCRIPTED, input="Paris", tools=tools)
    assert first.status == "completed"
    assert [item.type for item in first.output] == ["mcp_list_tools", "mcp_approval_request"]
    asked = first.output[1]
    assert (asked.server_label, asked.name, json.loads(asked.arguments)) == ("tools", "weather", {"city": "Paris"})
    answer = {"type": "mcp_approval_response", "approval_request_id": asked.id, "approve": True}
    second = openai_client.responses.create(model=SCRIPTED, previous_response_id=first.id, input=[answer], tools=tools)
    assert [item.type for item in second.output] == ["mcp_list_tools", "mcp_call", "message"]
    call = second.output[1]
    assert call.approval_request_id == asked.id and call.name == "weather"
    assert json.loads(call.output)["conditions"] == "sunny"
    assert second.output_text == f"The tool said: {call.output} (tool_choice=auto)"


def test_a_denied_call_is_told_to_the_model(openai_client: OpenAI, mcp: McpServers) -> None:
    tools = [weather_tool(mcp, "always")]
    first = openai_client.responses.create(model=SCRIPTED, input="Oslo", tools=tools)
    asked = first.output[-1]
    answer = {"type": "mcp_approval_response", "approval_request_id": asked.id, "approve": False, "reason": "no"}
    second = openai_client.responses.create(model=SCRIPTED, previous_response_id=first.id, input=[answer], tools=tools)
    assert "mcp_call" not in [item.type for item in second.output]
    assert second.output_text == "The tool said: error: the user denied this call: no (tool_choice=auto)"


@pytest.mark.parametrize(
    ("policy", "asks"),
    [
        ("never", False),
        ({"never": {"tool_names": ["weather"]}}, False),
        ({"never": {"tool_names": ["add"]}}, True),
        ({"always": {"tool_names": ["weather"]}}, True),
        ({"always": {"tool_names": ["add"]}}, False),
    ],
)
def test_require_approval_filters(openai_client: OpenAI, mcp: McpServers, policy: object, asks: bool) -> None:
    response = openai_client.responses.create(model=SCRIPTED, input="Rome", tools=[weather_tool(mcp, policy)])
    expected = ["mcp_list_tools", "mcp_approval_request"] if asks else ["mcp_list_tools", "mcp_call", "message"]
    assert [item.type for item in response.output] == expected


def test_streamed_approval_request(openai_client: OpenAI, mcp: McpServers) -> None:
    events = list(
        openai_client.responses.create(model=SCRIPTED, input="Lima", tools=[weather_tool(mcp, "always")], stream=True)
    )
    done = [e.item.type for e in events if e.type == "response.output_item.done"]
    assert done == ["mcp_list_tools", "mcp_approval_request"] and events[-1].type == "response.completed"


def test_bad_approvals_are_400s(http: httpx.Client, mcp: McpServers) -> None:
    tools = [weather_tool(mcp, "always")]
    first = http.post("/v1/responses", json={"model": SCRIPTED, "input": "Kyiv", "tools": tools}).json()
    asked = first["output"][-1]["id"]

    def answer(approval_id: str, tools: list[dict]) -> httpx.Response:
        item = {"type": "mcp_approval_response", "approval_request_id": approval_id, "approve": True}
        body = {"model": SCRIPTED, "previous_response_id": first["id"], "input": [item], "tools": tools}
        return http.post("/v1/responses", json=body)

    unknown = answer("mcpr_nope", tools)
    assert unknown.status_code == 400 and "mcpr_nope" in unknown.json()["detail"]
    without_tool = answer(asked, [])
    assert without_tool.status_code == 400 and "send the same mcp tool again" in without_tool.json()["detail"]
    bad_filter = http.post(
        "/v1/responses",
        json={"model": SCRIPTED, "input": "x", "tools": [weather_tool(mcp, {"always": {"read_only": True}})]},
    )
    assert bad_filter.status_code == 400 and "read_only" in bad_filter.json()["detail"]
