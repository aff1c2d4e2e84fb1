"""One real server with the tool runtime providers only, and real MCP servers beside it."""

from collections.abc import Iterator

import pytest

from tests.support.clients import http_fixture, server_fixture, stack_client_fixture
from tests.support.mcp_server import McpServers, run_mcp_servers

RUN_YAML = """\
version: 1
distribution: tools-tests
apis: [tool_runtime]
providers:
  tool_runtime:
    - provider_id: model-context-protocol
      provider_type: remote::model-context-protocol
      config: {list_timeout_s: 10, call_timeout_s: 10}
    - provider_id: code-interpreter
      provider_type: inline::code-interpreter
      config: {timeout_s: 5, memory_mb: 512}
registered_resources:
  tool_groups:
    - {toolgroup_id: "builtin::code_interpreter", provider_id: code-interpreter}
"""


@pytest.fixture(scope="package")
def mcp() -> Iterator[McpServers]:
    with run_mcp_servers() as servers:
        yield servers


server = server_fixture(RUN_YAML, "tools")
client = stack_client_fixture(timeout=60)
http = http_fixture(timeout=60)
