"""A real server with both datasetio providers, and the data files the tests register."""

import json
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from llama_stack_client import LlamaStackClient

from tests.support.postgres import SQLITE, StateStorage
from tests.support.server import RunningServer, run_server

RUN_YAML = """
version: 1
distribution: datasets-test
apis: [datasetio]
providers:
  datasetio:
    - provider_id: localfs
      provider_type: inline::localfs
      config:
        allowed_dirs: [{readable_dir}]
        allow_remote_uris: true
        remote: {{allowed_networks: [127.0.0.0/8]}}  # the tests' own file server
    - provider_id: huggingface
      provider_type: inline::huggingface
      config:
        allowed_dirs: [{readable_dir}]
storage:
  state_dir: {state_dir}
"""
QA_ROWS = [{"question": f"What is {i} + {i}?", "answer": f"{2 * i} exactly"} for i in range(25)]


def server_env(home: Path) -> dict[str, str]:
    """No test may reach the Hugging Face Hub: offline mode, and a cache of the test's own."""
    return {"HF_HOME": str(home / "hf-home"), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


def start(
    state_dir: Path, more_yaml: str = "", storage: StateStorage = SQLITE
) -> AbstractContextManager[RunningServer]:
    """The server on ``state_dir``; ``more_yaml`` adds top-level sections (registered_resources).

    localfs may read anything under pytest's base temp dir (where every test's files are)."""
    config = RUN_YAML.format(state_dir=state_dir, readable_dir=state_dir.parent.parent) + more_yaml
    return run_server(storage.apply(config), state_dir, env=server_env(state_dir.parent))


@pytest.fixture(scope="module")
def server_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server's state lives in ``state/``, its Hugging Face cache in ``hf-home/``."""
    return tmp_path_factory.mktemp("datasets-server")


@pytest.fixture(scope="module")
def server(server_home: Path) -> Iterator[RunningServer]:
    with start(server_home / "state") as running:
        yield running


@pytest.fixture(scope="module")
def client(server: RunningServer) -> LlamaStackClient:
    return LlamaStackClient(base_url=server.base_url, max_retries=0, timeout=60)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """qa.jsonl, qa.json, qa.csv and qa.parquet holding the same QA_ROWS."""
    root = tmp_path_factory.mktemp("data")
    (root / "qa.jsonl").write_text("".join(json.dumps(row) + "\n" for row in QA_ROWS))
    (root / "qa.json").write_text(json.dumps(QA_ROWS))
    csv_lines = "".join(f'"{row["question"]}","{row["answer"]}"\n' for row in QA_ROWS)
    (root / "qa.csv").write_text("question,answer\n" + csv_lines)
    pq.write_table(pa.Table.from_pylist(QA_ROWS), root / "qa.parquet")
    return root
