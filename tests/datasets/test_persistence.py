"""Registrations and appended rows survive a restart (on SQLite and on PostgreSQL); the user's own
files are never written to."""

import base64
import json
from pathlib import Path

import pytest
from llama_stack_client import LlamaStackClient, NotFoundError

from tests.datasets.conftest import QA_ROWS, start
from tests.support.postgres import StateStorage

QA = "eval/question-answer"
EXTRA = [{"question": "appended before the restart?", "answer": "yes"}]


def test_datasets_and_appended_rows_survive_a_restart(
    tmp_path: Path, data_dir: Path, state_storage: StateStorage
) -> None:
    state = tmp_path / "state"
    jsonl = data_dir / "qa.jsonl"
    original = jsonl.read_bytes()
    csv_uri = "data:text/csv;base64," + base64.b64encode((data_dir / "qa.csv").read_bytes()).decode()
    sources = {
        "p-rows": {"type": "rows", "rows": QA_ROWS},
        "p-jsonl": {"type": "uri", "uri": str(jsonl)},
        "p-csv": {"type": "uri", "uri": csv_uri},
        "p-parquet": {"type": "uri", "uri": str(data_dir / "qa.parquet")},
        "p-gone": {"type": "rows", "rows": QA_ROWS[:1]},
    }
    with start(state, storage=state_storage) as server:
        client = LlamaStackClient(base_url=server.base_url, max_retries=0)
        for dataset_id, source in sources.items():
            client.datasets.register(purpose=QA, source=source, dataset_id=dataset_id, metadata={"n": 1})
            client.datasets.appendrows(dataset_id, rows=EXTRA)
        client.datasets.unregister("p-gone")
        before = {d.identifier: d.to_dict() for d in client.datasets.list()}

    assert jsonl.read_bytes() == original
    with start(state, storage=state_storage) as server:
        client = LlamaStackClient(base_url=server.base_url, max_retries=0)
        assert {d.identifier: d.to_dict() for d in client.datasets.list()} == before
        for dataset_id in ("p-rows", "p-jsonl", "p-csv", "p-parquet"):
            assert client.datasets.iterrows(dataset_id).data == QA_ROWS + EXTRA, dataset_id
        with pytest.raises(NotFoundError):
            client.datasets.iterrows("p-gone")
        client.datasets.appendrows("p-jsonl", rows=EXTRA)
        client.datasets.unregister("p-rows")

    with start(state, storage=state_storage) as server:
        client = LlamaStackClient(base_url=server.base_url, max_retries=0)
        assert client.datasets.iterrows("p-jsonl", start_index=len(QA_ROWS)).data == EXTRA + EXTRA
        assert "p-rows" not in [d.identifier for d in client.datasets.list()]
    assert jsonl.read_bytes() == original


def test_run_yaml_datasets_are_registered_at_start_up(tmp_path: Path, data_dir: Path) -> None:
    registered = f"""registered_resources:
  datasets:
    - dataset_id: qa-from-yaml
      purpose: {QA}
      source: {{type: uri, uri: {json.dumps(str(data_dir / "qa.jsonl"))}}}
"""
    for _ in range(2):  # the second start finds it registered already: idempotent
        with start(tmp_path / "state", registered) as server:
            client = LlamaStackClient(base_url=server.base_url, max_retries=0)
            assert client.datasets.retrieve("qa-from-yaml").provider_id == "localfs"
            assert client.datasets.iterrows("qa-from-yaml", limit=2).data == QA_ROWS[:2]
