"""One real `starter` server for the whole package, so each model loads once."""

from collections.abc import Iterator

import httpx
import pytest
from llama_stack_client import LlamaStackClient
from openai import OpenAI

from tests.support.server import RunningServer, run_server

CHAT_MODEL = "HuggingFaceTB/SmolLM2-135M-Instruct"
EMBEDDING_MODEL = "all-MiniLM-L6-v2"


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    home = tmp_path_factory.mktemp("starter")
    env = {"HF_HOME": str(home / "hf-home"), "HF_HUB_OFFLINE": "1"}
    with run_server("starter", home / "state", env=env) as running:
        yield running


@pytest.fixture(scope="package")
def openai_client(server: RunningServer) -> OpenAI:
    return OpenAI(base_url=f"{server.base_url}/v1", api_key="unused", max_retries=0, timeout=120)


@pytest.fixture(scope="package")
def stack_client(server: RunningServer) -> LlamaStackClient:
    return LlamaStackClient(base_url=server.base_url, max_retries=0, timeout=120)


@pytest.fixture(scope="package")
def http(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=120) as client:
        yield client
