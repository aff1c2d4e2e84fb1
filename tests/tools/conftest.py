"""One real server with the tool runtime providers only, and real MCP servers beside it."""

from collections.abc import Iterator

import httpx
import pytest
from llama_stack_client import LlamaStackClient

from tests.support.mcp_server import McpServers, run_mcp_servers
from tests.support.server import RunningServer, run_server

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


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with run_server(RUN_YAML, tmp_path_factory.mktemp("tools") / "state") as running:
        yield running


@pytest.fixture(scope="package")
def client(server: RunningServer) -> LlamaStackClient:
    return LlamaStackClient(base_url=server.base_url, max_retries=0, timeout=60)


@pytest.fixture(scope="package")
def http(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        yield client
