"""MCP tool groups through llama-stack-client, against real MCP servers."""

import json
from pathlib import Path

import httpx
import llama_stack_client
import pytest
from llama_stack_client import LlamaStackClient

from tests.support.mcp_server import McpServers, run_mcp_servers
from tests.support.server import free_port, run_server

PROVIDER = "model-context-protocol"


def _auth(mcp: McpServers) -> dict[str, str]:
    data = {"mcp_headers": {mcp.secure_url: {"Authorization": f"Bearer {mcp.token}"}}}
    return {"X-LlamaStack-Provider-Data": json.dumps(data)}


@pytest.fixture(scope="module")
def groups(client: LlamaStackClient, mcp: McpServers) -> None:
    client.toolgroups.register(toolgroup_id="mcp::open", provider_id=PROVIDER, mcp_endpoint={"uri": mcp.open_url})
    client.toolgroups.register(toolgroup_id="mcp::secure", provider_id=PROVIDER, mcp_endpoint={"uri": mcp.secure_url})


def test_groups_register_list_and_get(client: LlamaStackClient, mcp: McpServers, groups: None) -> None:
    assert {"mcp::open", "mcp::secure", "builtin::code_interpreter"} <= {g.identifier for g in client.toolgroups.list()}
    group = client.toolgroups.get("mcp::open")  # '::' unescaped in the path
    assert group.type == "tool_group" and group.provider_id == PROVIDER
    assert group.mcp_endpoint is not None and group.mcp_endpoint.uri == mcp.open_url


def test_tools_keep_their_schemas(client: LlamaStackClient, groups: None) -> None:
    tools = {tool.name: tool for tool in client.tools.list(toolgroup_id="mcp::open")}
    assert set(tools) == {"add", "weather", "distance", "explode"}
    assert all(tool.toolgroup_id == "mcp::open" for tool in tools.values())
    assert tools["add"].input_schema["required"] == ["a", "b"]
    assert "$defs" in tools["distance"].input_schema and "Point" in tools["distance"].input_schema["$defs"]
    assert tools["weather"].output_schema["properties"]["temperature_c"]["type"] == "number"
    assert client.tools.get("weather").description.startswith("Current weather")


def test_invoke_returns_text_and_structured_content(client: LlamaStackClient, groups: None) -> None:
    result = client.tool_runtime.invoke_tool(tool_name="add", kwargs={"a": 2, "b": 40})
    assert result.error_message is None and result.content[0].text == "42"
    weather = client.tool_runtime.invoke_tool(tool_name="weather", kwargs={"city": "Paris"})
    assert weather.metadata["structured_content"] == {"city": "Paris", "temperature_c": 21.5, "conditions": "sunny"}
    nested = client.tool_runtime.invoke_tool(
        tool_name="distance", kwargs={"a": {"x": 0, "y": 0}, "b": {"x": 3, "y": 4}}
    )
    assert nested.content[0].text == "5.0"


def test_failures_are_results_not_500s(client: LlamaStackClient, groups: None) -> None:
    failed = client.tool_runtime.invoke_tool(tool_name="explode", kwargs={"reason": "testing"})
    assert failed.error_code == 1 and "boom: testing" in failed.error_message
    bad_kwargs = client.tool_runtime.invoke_tool(tool_name="add", kwargs={"a": "not a number"})
    assert bad_kwargs.error_code == 1 and "validation error" in bad_kwargs.error_message


def test_unknown_tool_is_a_404(client: LlamaStackClient, http: httpx.Client, groups: None) -> None:
    with pytest.raises(llama_stack_client.NotFoundError) as caught:
        client.tool_runtime.invoke_tool(tool_name="no_such_tool", kwargs={})
    detail = caught.value.response.json()["detail"]
    assert "'no_such_tool'" in detail and "add" in detail
    assert http.get("/v1/tools/no_such_tool").status_code == 404


def test_secure_server_needs_credentials(client: LlamaStackClient, mcp: McpServers, groups: None) -> None:
    with pytest.raises(llama_stack_client.AuthenticationError) as caught:
        client.tools.list(toolgroup_id="mcp::secure")
    detail = caught.value.response.json()["detail"]
    assert "requires credentials" in detail and "mcp_headers" in detail and mcp.token not in detail
    # listing every group skips the one that cannot be listed instead of failing
    assert "add" in {tool.name for tool in client.tools.list()}


def test_secure_server_with_mcp_headers(client: LlamaStackClient, mcp: McpServers, groups: None) -> None:
    tools = client.tools.list(toolgroup_id="mcp::secure", extra_headers=_auth(mcp))
    assert [tool.name for tool in tools] == ["secret"]
    result = client.tool_runtime.invoke_tool(tool_name="secret", kwargs={"name": "x"}, extra_headers=_auth(mcp))
    assert result.content[0].text == "the secret of x is 42"
    # now that the tool is known to be in mcp::secure, calling it without credentials is a 401
    with pytest.raises(llama_stack_client.AuthenticationError):
        client.tool_runtime.invoke_tool(tool_name="secret", kwargs={"name": "x"})
    wrong = {
        "X-LlamaStack-Provider-Data": json.dumps({"mcp_headers": {mcp.secure_url: {"Authorization": "Bearer no"}}})
    }
    with pytest.raises(llama_stack_client.AuthenticationError) as caught:
        client.tools.list(toolgroup_id="mcp::secure", extra_headers=wrong)
    assert "refused the credentials" in caught.value.response.json()["detail"]


def test_runtime_list_tools_by_group_and_by_endpoint(client: LlamaStackClient, mcp: McpServers, groups: None) -> None:
    by_group = client.tool_runtime.list_tools(tool_group_id="mcp::open")
    by_endpoint = client.tool_runtime.list_tools(mcp_endpoint={"uri": mcp.open_url})  # sent as mcp_endpoint[uri]
    assert [t.name for t in by_group] == [t.name for t in by_endpoint]
    secure = client.tool_runtime.list_tools(mcp_endpoint={"uri": mcp.secure_url}, extra_headers=_auth(mcp))
    assert [t.name for t in secure] == ["secret"]


def test_sse_server_by_endpoint(client: LlamaStackClient, mcp: McpServers) -> None:
    tools = client.tool_runtime.list_tools(mcp_endpoint={"uri": mcp.sse_url})
    assert {"add", "weather"} <= {tool.name for tool in tools}


def test_unreachable_server_fails_alone(client: LlamaStackClient, http: httpx.Client, groups: None) -> None:
    # no provider_id: the provider that accepts MCP endpoints takes it
    down = {"toolgroup_id": "mcp::down", "mcp_endpoint": {"uri": "http://127.0.0.1:9/mcp"}}
    assert http.post("/v1/toolgroups", json=down).json()["provider_id"] == PROVIDER
    try:
        response = http.get("/v1/tools", params={"toolgroup_id": "mcp::down"})
        assert response.status_code == 502 and "cannot be reached" in response.json()["detail"]
        assert "add" in {tool.name for tool in client.tools.list()}
    finally:
        client.toolgroups.unregister("mcp::down")


def test_bad_provider_data_is_a_400_that_does_not_echo_it(http: httpx.Client) -> None:
    response = http.get("/v1/tools", headers={"X-LlamaStack-Provider-Data": "{not json secret-value"})
    assert response.status_code == 400 and "secret-value" not in response.text


def test_unregistered_group_is_a_404(client: LlamaStackClient, mcp: McpServers) -> None:
    client.toolgroups.register(toolgroup_id="mcp::temporary", provider_id=PROVIDER, mcp_endpoint={"uri": mcp.open_url})
    assert client.tools.list(toolgroup_id="mcp::temporary")
    client.toolgroups.unregister("mcp::temporary")
    with pytest.raises(llama_stack_client.NotFoundError) as caught:
        client.tools.list(toolgroup_id="mcp::temporary")
    assert "'mcp::temporary'" in caught.value.response.json()["detail"]
    with pytest.raises(llama_stack_client.NotFoundError):
        client.toolgroups.get("mcp::temporary")


MCP_ONLY = """\
version: 1
distribution: mcp-restart-tests
apis: [tool_runtime]
providers:
  tool_runtime:
    - provider_id: model-context-protocol
      provider_type: remote::model-context-protocol
      config: {list_timeout_s: 10, call_timeout_s: 10}
"""


def _add(http: httpx.Client) -> dict:
    response = http.post("/v1/tool-runtime/invoke", json={"tool_name": "add", "kwargs": {"a": 40, "b": 2}})
    assert response.status_code == 200, response.text
    return response.json()


def test_pooled_sessions_survive_an_mcp_server_restart(tmp_path: Path) -> None:
    # a server of its own: the module's groups offer `add` too
    ports = [free_port() for _ in range(3)]
    with run_server(MCP_ONLY, tmp_path) as plugstack, httpx.Client(base_url=plugstack.base_url, timeout=30) as http:
        with run_mcp_servers(ports=ports) as mcp:
            group = {"toolgroup_id": "mcp::restarting", "mcp_endpoint": {"uri": mcp.open_url}}
            assert http.post("/v1/toolgroups", json=group).status_code == 200
            assert [_add(http)["content"][0]["text"] for _ in range(3)] == ["42"] * 3  # one session, reused
        with run_mcp_servers(ports=ports):  # the same URL; the pooled session is unknown to the new process
            restarted = _add(http)
            assert restarted["content"] == [{"type": "text", "text": "42"}], restarted
        down = _add(http)  # a tool whose server went away is a result the model reads, not a 5xx
        assert down["error_code"] == 1 and "cannot be reached" in down["error_message"]
        with run_mcp_servers(ports=ports):
            assert _add(http)["content"][0]["text"] == "42"
