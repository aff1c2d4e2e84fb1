"""Eval jobs outlive the server: results stay retrievable after a restart, and a job the
server stopped under is failed with the reason, never left `in_progress` (on SQLite and on
PostgreSQL)."""

import time
from pathlib import Path

import httpx
import pytest

from tests.eval.conftest import CHAT_MODEL, candidate
from tests.support.models import llama_cpp_provider
from tests.support.postgres import StateStorage
from tests.support.server import run_server

RUN_YAML = f"""
version: 1
distribution: eval-restart
apis: [inference, datasetio, scoring, eval]
providers:
  inference:
{llama_cpp_provider(model_id="smol", n_ctx=1024)}
  datasetio:
    - provider_id: localfs
      provider_type: inline::localfs
  scoring:
    - provider_id: basic
      provider_type: inline::basic
  eval:
    - provider_id: meta-reference
      provider_type: inline::meta-reference
      config:
        max_concurrency: 2
registered_resources:
  models:
    - model_id: {CHAT_MODEL}
      provider_id: llama-cpp
      provider_model_id: smol
"""
pytestmark = pytest.mark.slow

ROWS = [{"question": f"What is {i} + {i}? Reply with the number only.", "answer": str(2 * i)} for i in range(30)]


def test_results_and_failures_survive_a_restart(tmp_path: Path, state_storage: StateStorage) -> None:
    state, config = tmp_path / "state", state_storage.apply(RUN_YAML)
    with run_server(config, state) as server, httpx.Client(base_url=server.base_url, timeout=300) as http:
        for dataset_id, rows in (("few", ROWS[:2]), ("many", ROWS)):
            source = {"type": "rows", "rows": rows}
            body = {"purpose": "eval/question-answer", "source": source, "dataset_id": dataset_id}
            http.post("/v1beta/datasets", json=body).raise_for_status()
            bench = {
                "benchmark_id": f"{dataset_id}-bench",
                "dataset_id": dataset_id,
                "scoring_functions": ["basic::subset_of"],
            }
            http.post("/v1alpha/eval/benchmarks", json=bench).raise_for_status()
        done = http.post(
            "/v1alpha/eval/benchmarks/few-bench/jobs", json={"benchmark_config": {"eval_candidate": candidate()}}
        ).json()
        deadline = time.monotonic() + 120
        while http.get(f"/v1alpha/eval/benchmarks/few-bench/jobs/{done['job_id']}").json()["status"] != "completed":
            assert time.monotonic() < deadline, "the small job did not complete"
            time.sleep(0.2)
        before = http.get(f"/v1alpha/eval/benchmarks/few-bench/jobs/{done['job_id']}/result").json()
        running = http.post(
            "/v1alpha/eval/benchmarks/many-bench/jobs", json={"benchmark_config": {"eval_candidate": candidate(64)}}
        ).json()
        assert running["status"] in ("scheduled", "in_progress")

    with run_server(config, state) as server, httpx.Client(base_url=server.base_url, timeout=300) as http:
        assert {b["identifier"] for b in http.get("/v1alpha/eval/benchmarks").json()["data"]} == {
            "few-bench",
            "many-bench",
        }
        assert http.get(f"/v1alpha/eval/benchmarks/few-bench/jobs/{done['job_id']}/result").json() == before
        assert len(before["generations"]) == 2
        failed = http.get(f"/v1alpha/eval/benchmarks/many-bench/jobs/{running['job_id']}").json()
        assert failed["status"] == "failed"
        assert "server" in failed["error"]
        answer = http.get(f"/v1alpha/eval/benchmarks/many-bench/jobs/{running['job_id']}/result")
        assert answer.status_code == 409 and "failed" in answer.json()["detail"]
        # a job id is only found under its own benchmark
        assert http.get(f"/v1alpha/eval/benchmarks/many-bench/jobs/{done['job_id']}").status_code == 404
