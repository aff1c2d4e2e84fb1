"""`make run` serves the starter distribution: its datasetio providers take every source kind."""

import base64
from pathlib import Path

from llama_stack_client import LlamaStackClient

from tests.datasets.conftest import QA_ROWS, server_env
from tests.support.server import run_server


def test_starter_routes_sources_to_its_two_providers(tmp_path: Path, data_dir: Path) -> None:
    beside_state = tmp_path / "data"  # by default localfs reads the state dir and the data dir beside it
    beside_state.mkdir()
    (beside_state / "qa.parquet").write_bytes((data_dir / "qa.parquet").read_bytes())
    with run_server("starter", tmp_path / "state", env=server_env(tmp_path)) as server:
        client = LlamaStackClient(base_url=server.base_url, max_retries=0, timeout=60)
        csv = "data:text/csv;base64," + base64.b64encode((data_dir / "qa.csv").read_bytes()).decode()
        sources = {
            "rows": {"type": "rows", "rows": QA_ROWS},
            "csv": {"type": "uri", "uri": csv},
            "parquet": {"type": "uri", "uri": str(beside_state / "qa.parquet")},
        }
        for dataset_id, source in sources.items():
            dataset = client.datasets.register(purpose="eval/question-answer", source=source, dataset_id=dataset_id)
            assert dataset.provider_id == "localfs"
            assert client.datasets.iterrows(dataset_id, start_index=20).data == QA_ROWS[20:]
        local_hub = beside_state / "hub-dir"  # local directories, too, only under the allowed dirs
        local_hub.mkdir()
        (local_hub / "train.jsonl").write_bytes((data_dir / "qa.jsonl").read_bytes())
        hub = {"type": "uri", "uri": f"huggingface://{local_hub}?split=train"}
        assert client.datasets.register(purpose="eval/question-answer", source=hub).provider_id == "huggingface"
