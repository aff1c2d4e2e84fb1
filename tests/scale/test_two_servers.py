"""Two plugstack servers on one PostgreSQL database: what is registered through one is served
by the other, and a job submitted to one is listed, followed and cancelled through the other."""

import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.support.plugins import plugin_env
from tests.support.postgres import PostgresServer
from tests.support.server import run_server

ROWS = [{"question": f"What is {i} + {i}?", "answer": str(2 * i)} for i in range(200)]


RUN_YAML = """version: 1
distribution: two-servers
apis: [inference, datasetio, scoring, eval]
providers:
  inference:
    - provider_id: sleepy
      provider_type: inline::sleepy
  datasetio:
    - provider_id: localfs
      provider_type: inline::localfs
  scoring:
    - provider_id: basic
      provider_type: inline::basic
  eval:
    - provider_id: meta-reference
      provider_type: inline::meta-reference
      config: {max_concurrency: 1}
storage:
  backends:
    default: {type: postgres, dsn: "${env.TEST_PG_DSN}", pool_max_size: 4}
"""


@pytest.fixture(scope="module")
def servers(
    postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    home = tmp_path_factory.mktemp("two-servers")
    env = {
        **plugin_env(home / "site", "sleepy", "tests.scale.sleepy_inference"),
        "TEST_PG_DSN": postgres.create_schema(),
    }
    with (
        run_server(RUN_YAML, home / "a", env=env) as a,
        run_server(RUN_YAML, home / "b", env=env) as b,
        httpx.Client(base_url=a.base_url, timeout=60) as first,
        httpx.Client(base_url=b.base_url, timeout=60) as second,
    ):
        yield first, second


def _until(check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_model_registered_through_one_is_served_by_the_other(servers: tuple[httpx.Client, httpx.Client]) -> None:
    first, second = servers
    first.post("/v1/models", json={"model_id": "echo", "provider_id": "sleepy"}).raise_for_status()
    assert "echo" in {m["id"] for m in second.get("/v1/models").json()["data"]}
    chat = {"model": "echo", "messages": [{"role": "user", "content": "hello"}]}
    reply = second.post("/v1/chat/completions", json=chat)
    assert reply.status_code == 200, reply.text
    assert reply.json()["choices"][0]["message"]["content"] == "Echo (1 messages): hello"
    second.delete("/v1/models/echo").raise_for_status()
    assert first.post("/v1/chat/completions", json=chat).status_code == 404


def test_an_eval_job_submitted_to_one_is_followed_and_cancelled_through_the_other(
    servers: tuple[httpx.Client, httpx.Client],
) -> None:
    first, second = servers
    first.post("/v1/models", json={"model_id": "judge", "provider_id": "sleepy"}).raise_for_status()
    dataset = {"purpose": "eval/question-answer", "source": {"type": "rows", "rows": ROWS}, "dataset_id": "sums"}
    first.post("/v1beta/datasets", json=dataset).raise_for_status()
    page = second.get("/v1beta/datasetio/iterrows/sums", params={"limit": 2}).json()
    assert page["data"] == ROWS[:2]
    bench = {"benchmark_id": "sums-bench", "dataset_id": "sums", "scoring_functions": ["basic::subset_of"]}
    second.post("/v1alpha/eval/benchmarks", json=bench).raise_for_status()
    assert "sums-bench" in {b["identifier"] for b in first.get("/v1alpha/eval/benchmarks").json()["data"]}

    candidate = {"type": "model", "model": "judge", "sampling_params": {"strategy": {"type": "greedy"}}}
    job = first.post(
        "/v1alpha/eval/benchmarks/sums-bench/jobs", json={"benchmark_config": {"eval_candidate": candidate}}
    )
    job_url = f"/v1alpha/eval/benchmarks/sums-bench/jobs/{job.json()['job_id']}"

    def progressed() -> bool:
        status = second.get(job_url).json()
        return status["status"] == "in_progress" and (status.get("progress") or {}).get("rows_done", 0) >= 1

    _until(progressed)  # followed through the other server
    assert second.delete(job_url).status_code == 204
    assert second.get(job_url).json()["status"] == "cancelled"
    done = first.get(job_url).json()["progress"]["rows_done"]
    time.sleep(1.5)  # the owner stopped it: no row is evaluated after the cancel
    assert first.get(job_url).json()["progress"]["rows_done"] == done < len(ROWS)
