"""One real `starter` server for the package's client tests, so the model loads once."""

from collections.abc import Iterator

import httpx
import pytest
from llama_stack_client import LlamaStackClient

from tests.support.server import RunningServer, run_server

CHAT_MODEL = "HuggingFaceTB/SmolLM2-135M-Instruct"
JUDGE_MAX_TOKENS = "16"


def candidate(max_tokens: int = 8) -> dict[str, object]:
    """The embedded model, greedy and short: answers are scored, not read."""
    return {
        "type": "model",
        "model": CHAT_MODEL,
        "sampling_params": {"strategy": {"type": "greedy"}, "max_tokens": max_tokens},
    }


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    home = tmp_path_factory.mktemp("eval-starter")
    env = {
        "HF_HOME": str(home / "hf-home"),
        "HF_HUB_OFFLINE": "1",
        "PLUGSTACK_JUDGE_MAX_TOKENS": JUDGE_MAX_TOKENS,
    }
    with run_server("starter", home / "state", env=env) as running:
        yield running


@pytest.fixture(scope="package")
def client(server: RunningServer) -> LlamaStackClient:
    return LlamaStackClient(base_url=server.base_url, max_retries=0, timeout=300)


@pytest.fixture(scope="package")
def http(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=300) as session:
        yield session
