"""One real server for the batches tests: the embedded SmolLM2 (real completions) and a counting
model (records every request it answers, a little slowly) behind /v1/batches."""

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openai import OpenAI
from openai.types import Batch

from tests.support.clients import http_fixture, openai_client_fixture
from tests.support.models import llama_cpp_provider
from tests.support.plugins import plugin_env
from tests.support.server import RunningServer, run_server

REAL = "smol"
COUNTING = "counting"
FINISHED = ("completed", "failed", "cancelled", "expired")


def run_yaml(calls_file: Path, delay_s: float, concurrency: int, with_llama_cpp: bool = True) -> str:
    llama_cpp = f"\n{llama_cpp_provider(n_ctx=1024)}"
    real_model = f"\n    - {{model_id: {REAL}, provider_id: llama-cpp, provider_model_id: SmolLM2-135M-Instruct}}"
    return f"""\
version: 1
distribution: batches-tests
apis: [inference, files, batches]
providers:
  inference:{llama_cpp if with_llama_cpp else ""}
    - provider_id: counting
      provider_type: inline::counting
      config: {{calls_file: "{calls_file}", delay_s: {delay_s}}}
  files:
    - provider_id: files
      provider_type: inline::localfs
  batches:
    - provider_id: batches
      provider_type: inline::reference
      config: {{max_concurrency: {concurrency}}}
registered_resources:
  models:{real_model if with_llama_cpp else ""}
    - {{model_id: {COUNTING}, provider_id: counting}}
"""


def counting_env(home: Path) -> dict[str, str]:
    return plugin_env(home / "site", "counting", "tests.batches.counting_inference")


def chat_line(custom_id: str, model: str, text: str, max_tokens: int = 8) -> dict[str, Any]:
    body = {"model": model, "messages": [{"role": "user", "content": text}], "max_tokens": max_tokens}
    return {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": body}


def jsonl(lines: list[dict[str, Any] | str]) -> bytes:
    return "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines).encode()


def submit(client: OpenAI, lines: list[dict[str, Any] | str], endpoint: str = "/v1/chat/completions") -> Batch:
    file = client.files.create(file=("requests.jsonl", jsonl(lines)), purpose="batch")
    return client.batches.create(input_file_id=file.id, endpoint=endpoint, completion_window="24h")  # type: ignore[arg-type]


def wait_for(client: OpenAI, batch_id: str, done: Any = lambda b: b.status in FINISHED, timeout: float = 120) -> Batch:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch = client.batches.retrieve(batch_id)
        if done(batch):
            return batch
        time.sleep(0.1)
    raise AssertionError(f"batch {batch_id} still {batch.status} after {timeout} s: {batch.request_counts}")


def file_lines(client: OpenAI, file_id: str | None) -> list[dict[str, Any]]:
    assert file_id is not None
    return [json.loads(line) for line in client.files.content(file_id).text.splitlines()]


@pytest.fixture(scope="package")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("batches")


@pytest.fixture(scope="package")
def calls_file(home: Path) -> Path:
    return home / "calls.txt"


@pytest.fixture(scope="package")
def server(home: Path, calls_file: Path) -> Iterator[RunningServer]:
    config = run_yaml(calls_file, delay_s=0.2, concurrency=2)
    with run_server(config, home / "state", env=counting_env(home)) as running:
        yield running


client = openai_client_fixture()
http = http_fixture()
