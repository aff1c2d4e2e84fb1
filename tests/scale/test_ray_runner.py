"""Jobs on a real local Ray cluster (`jobs.runner: ray`): a job runs as a detached actor with its
progress, logs and artifacts in the job table; cancel stops it on the cluster; a server that
stops mid-job leaves it running there and the next one adopts it. Then the same through the
real server: a LoRA job survives a server restart, completes with its checkpoints and its model
is served; an eval job on the cluster generates through the stack's API (with auth on, as its
submitter) and survives a server restart at the same address."""

import asyncio
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from llama_stack_client import LlamaStackClient

from plugstack.config.issues import ConfigError
from plugstack.config.load import parse_run_config
from plugstack.config.schema import RayRunnerConfig, SqliteBackendConfig
from plugstack.jobs.manager import JobManager
from plugstack.jobs.models import JobStatus
from plugstack.jobs.ray_runner import RayRunner
from plugstack.plugins import Catalog
from plugstack.storage.backends import StorageBackend, open_backend
from tests.post_training.conftest import secret_rows
from tests.post_training.test_server import register_rows, served, sft, training_config, wait_for
from tests.support.models import llama_cpp_provider, smollm2_gguf
from tests.support.ray_cluster import RayCluster, ray_cluster
from tests.support.server import free_port, run_server

pytest.importorskip("ray", reason="needs plugstack[ray]")

PRIMES = "tests.support.job_kinds:count_primes"
FAST = {"heartbeat_s": 0.2, "stale_after_s": 5.0}
JOB_TIMEOUT_S = 600


@pytest.fixture(scope="module")
def cluster() -> Iterator[RayCluster]:
    with ray_cluster(num_cpus=2) as running:
        yield running


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[StorageBackend]:
    backend = await open_backend("default", SqliteBackendConfig(path="state.db"), tmp_path)
    yield backend
    await backend.aclose()


async def _manager(store: StorageBackend, cluster: RayCluster) -> JobManager:
    manager = JobManager(store, ray=RayRunner(RayRunnerConfig(address=cluster.address)), **FAST)
    await manager.initialize()
    return manager


async def _logs_until(manager: JobManager, job_id: str, count: int, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while len(await manager.logs(job_id)) < count:
        assert time.monotonic() < deadline, f"fewer than {count} log lines after {timeout} s"
        await asyncio.sleep(0.1)


async def test_a_job_runs_on_the_cluster_and_reports_into_the_table(
    store: StorageBackend, cluster: RayCluster, tmp_path: Path
) -> None:
    manager = await _manager(store, cluster)
    try:
        job = await manager.submit("test", PRIMES, {"limit": 2000, "out_dir": str(tmp_path)})
        done = await manager.wait(job.id, timeout=JOB_TIMEOUT_S)
        assert done.status == JobStatus.completed, done.error
        assert done.result == {"primes": 303}
        assert done.progress == {"done": 2000, "total": 2000, "primes": 303}
        assert done.artifacts == [{"path": str(tmp_path / "primes.txt"), "kind": "count"}]
        lines = [line.line for line in await manager.logs(job.id)]
        assert lines[0] == "checked up to 202" and "checked up to 2000" in lines
        assert "a line the work printed to stdout" in lines  # the child's own output, as locally
        assert not await manager._ray.exists(job.id)  # type: ignore[union-attr] # removed once recorded
    finally:
        await manager.shutdown()


async def test_cancel_stops_the_job_on_the_cluster(store: StorageBackend, cluster: RayCluster, tmp_path: Path) -> None:
    manager = await _manager(store, cluster)
    runner = manager._ray
    assert runner is not None
    try:
        params = {"limit": 100, "out_dir": str(tmp_path), "delay_per_chunk": 1}
        job = await manager.submit("test", PRIMES, params)
        await _logs_until(manager, job.id, 1)
        assert await runner.exists(job.id)
        cancelled = await manager.cancel(job.id)
        assert cancelled.status == JobStatus.cancelled
        assert not await runner.exists(job.id)
        seen = len(await manager.logs(job.id))
        await asyncio.sleep(2.5)  # the child was stopped: no chunk is checked after the cancel
        assert len(await manager.logs(job.id)) == seen < 10
        assert not (tmp_path / "primes.txt").exists()
    finally:
        await manager.shutdown()


async def test_a_server_stopping_mid_job_leaves_it_running_and_the_next_adopts_it(
    store: StorageBackend, cluster: RayCluster, tmp_path: Path
) -> None:
    first = await _manager(store, cluster)
    params = {"limit": 100, "out_dir": str(tmp_path), "delay_per_chunk": 0.7}
    job = await first.submit("test", PRIMES, params)
    await _logs_until(first, job.id, 2)
    await first.shutdown()
    assert (await first.get(job.id)).status == JobStatus.in_progress  # not failed: it runs on the cluster
    second = await _manager(store, cluster)
    try:
        done = await second.wait(job.id, timeout=JOB_TIMEOUT_S)
        assert done.status == JobStatus.completed, done.error
        assert done.result == {"primes": 25}
        assert len(done.artifacts) == 1
        lines = await second.logs(job.id)
        checked = [line.line for line in lines if line.line.startswith("checked up to")]
        assert checked == [f"checked up to {n}" for n in range(12, 101, 10)] + ["checked up to 100"]
        assert [line.seq for line in lines] == list(range(len(lines)))  # nothing recorded twice
    finally:
        await second.shutdown()


def _ray_stack(base_cache: Path, cluster: RayCluster) -> str:
    """The leanest stack that trains (on SmolLM2's GGUF file) and serves what it trained."""
    return f"""version: 1
distribution: ray-jobs-test
apis: [inference, datasetio, post_training]
providers:
  inference:
    - provider_id: transformers
      provider_type: inline::transformers
      config: {{default_max_tokens: 8, num_threads: 2}}
  datasetio:
    - provider_id: localfs
      provider_type: inline::localfs
      config: {{uri_schemes: [data], inline_rows: true}}
  post_training:
    - provider_id: trl
      provider_type: inline::trl
      config: {{base_model_cache: "{base_cache}", max_length: 64, num_threads: 2}}
jobs:
  runner: ray
  ray:
    address: "{cluster.address}"
    resources:
      post_training: {{num_cpus: 2}}
"""


def _wait_for_logs(base_url: str, job_uuid: str) -> None:
    deadline = time.monotonic() + JOB_TIMEOUT_S
    url = f"{base_url}/v1alpha/post-training/job/logs"
    while not httpx.get(url, params={"job_uuid": job_uuid}).json()["data"]:
        assert time.monotonic() < deadline, "the job logged nothing"
        time.sleep(0.2)


@pytest.mark.slow
def test_a_lora_job_on_ray_survives_a_server_restart(
    cluster: RayCluster, tmp_path_factory: pytest.TempPathFactory
) -> None:
    home = tmp_path_factory.mktemp("ray-server")
    config = _ray_stack(home / "base-models", cluster)
    job_uuid = f"ray-{uuid.uuid4().hex[:8]}"
    with run_server(config, home / "state", timeout=300) as first:
        client = LlamaStackClient(base_url=first.base_url, max_retries=0, timeout=120)
        register_rows(client, "secret", secret_rows(8))
        training = training_config("secret", epochs=2, steps=1, lr=1e-3)
        sft(client, "secret", job_uuid=job_uuid, model=str(smollm2_gguf()), training_config=training)
        _wait_for_logs(first.base_url, job_uuid)  # started: the server stops mid-job
    with run_server(config, home / "state", timeout=300) as second:
        client = LlamaStackClient(base_url=second.base_url, max_retries=0, timeout=120)
        status = wait_for(client, job_uuid, served, JOB_TIMEOUT_S)
        assert status.to_dict()["progress"]["step"] == 2
        # the adopting server serves what the job trained, as the submitting one would have
        assert status.to_dict()["served_model"]["state"] == "served"
        reply = client.chat.completions.create(
            model=f"ft:{job_uuid}", messages=[{"role": "user", "content": "hi"}], max_tokens=4
        )
        assert reply.choices[0].message.content
        checkpoints = client.alpha.post_training.job.artifacts(job_uuid=job_uuid).checkpoints
        assert [c.epoch for c in checkpoints] == [1, 2]
        assert all((Path(c.path) / "adapter_model.safetensors").is_file() for c in checkpoints)
        logs = httpx.get(f"{second.base_url}/v1alpha/post-training/job/logs", params={"job_uuid": job_uuid}).json()
        lines = logs["data"]
        assert [line["seq"] for line in lines] == list(range(len(lines)))
        assert sum("step 2/2 loss" in line["line"] for line in lines) == 1  # each report recorded once
        # a progress bar redrawn with \r is one line, as with a local child
        assert sum("de-quantizing GGUF tensors" in line["line"] for line in lines) == 1

        # cancel through the server stops the work on the cluster
        doomed = sft(
            client, "secret", model=str(smollm2_gguf()), training_config=training_config("secret", 50, 1, 1e-3)
        )
        _wait_for_logs(second.base_url, doomed)
        client.alpha.post_training.job.cancel(job_uuid=doomed)
        assert client.alpha.post_training.job.status(job_uuid=doomed).status == "cancelled"
        url = f"{second.base_url}/v1alpha/post-training/job/logs"
        seen = len(httpx.get(url, params={"job_uuid": doomed}).json()["data"])
        time.sleep(3)  # the child and its actor are gone: nothing more is reported
        assert len(httpx.get(url, params={"job_uuid": doomed}).json()["data"]) == seen


@pytest.mark.parametrize(
    ("jobs", "message"),
    [
        ("{runner: ray}", "jobs: Value error, runner 'ray' needs jobs.ray"),
        ('{ray: {address: "h:6379"}}', "jobs.ray is set but jobs.runner is 'local'"),
        ('{runner: ray, ray: {address: "h:6379", resources: {post_training: {num_gpus: -1}}}}', "num_gpus"),
        ("{runner: kubernetes}", "jobs.runner"),
    ],
)
def test_runner_settings_errors_name_the_field(jobs: str, message: str) -> None:
    text = f"version: 1\ndistribution: x\napis: []\njobs: {jobs}\n"
    with pytest.raises(ConfigError) as info:
        parse_run_config(text, "run.yaml", Catalog(), {})
    assert message in info.value.render()


def test_unreachable_cluster_is_one_clear_line(tmp_path: Path) -> None:
    """`plugstack run` checks the cluster's address before serving: exit 3 and one line, no traceback."""
    port = free_port()  # nothing listens there
    config = tmp_path / "run.yaml"
    config.write_text(
        "version: 1\ndistribution: x\napis: []\n"
        f'jobs: {{runner: ray, ray: {{address: "127.0.0.1:{port}"}}}}\n'
        f"storage: {{state_dir: {tmp_path / 'state'}}}\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "plugstack.cli", "run", str(config)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 3, result.stderr
    assert f"the Ray cluster at 127.0.0.1:{port} (jobs.ray.address) is unreachable" in result.stderr
    assert "Traceback" not in result.stderr


EVAL_ROWS = [{"question": f"What is {i} + {i}? Reply with the number only.", "answer": str(2 * i)} for i in range(16)]
EVAL_KEY = "ray-eval-key"


def _eval_stack(cluster: RayCluster) -> str:
    return f"""version: 1
distribution: ray-eval-test
apis: [inference, datasetio, scoring, eval]
providers:
  inference:
{llama_cpp_provider(model_id="smol", n_ctx=1024)}
  datasetio:
    - provider_id: localfs
      provider_type: inline::localfs
      config: {{uri_schemes: [data], inline_rows: true}}
  scoring:
    - provider_id: basic
      provider_type: inline::basic
  eval:
    - provider_id: meta-reference
      provider_type: inline::meta-reference
      config: {{max_concurrency: 1}}
registered_resources:
  models: [{{model_id: smol, provider_id: llama-cpp, provider_model_id: smol}}]
server:
  auth:
    api_keys: [{{key: {EVAL_KEY}, principal: alice}}]
jobs:
  runner: ray
  ray:
    address: "{cluster.address}"
    resources:
      eval: {{num_cpus: 0.5}}
"""


@pytest.mark.slow
def test_an_eval_job_on_ray_calls_the_stack_and_survives_a_restart(
    cluster: RayCluster, tmp_path_factory: pytest.TempPathFactory
) -> None:
    home = tmp_path_factory.mktemp("ray-eval")
    config, port = _eval_stack(cluster), free_port()
    auth = {"Authorization": f"Bearer {EVAL_KEY}"}
    candidate = {
        "type": "model",
        "model": "smol",
        "sampling_params": {"strategy": {"type": "greedy"}, "max_tokens": 24},
    }
    with (
        run_server(config, home / "state", port=port, timeout=300) as first,
        httpx.Client(base_url=first.base_url, headers=auth, timeout=120) as http,
    ):
        source = {"type": "rows", "rows": EVAL_ROWS}
        body = {"purpose": "eval/question-answer", "source": source, "dataset_id": "sums"}
        http.post("/v1beta/datasets", json=body).raise_for_status()
        bench = {"benchmark_id": "sums", "dataset_id": "sums", "scoring_functions": ["basic::subset_of"]}
        http.post("/v1alpha/eval/benchmarks", json=bench).raise_for_status()
        job = http.post("/v1alpha/eval/benchmarks/sums/jobs", json={"benchmark_config": {"eval_candidate": candidate}})
        assert job.status_code == 200, job.text
        job_id = job.json()["job_id"]
        path = f"/v1alpha/eval/benchmarks/sums/jobs/{job_id}"
        deadline = time.monotonic() + JOB_TIMEOUT_S
        while not ((progress := http.get(path).json().get("progress")) and progress["rows_done"] >= 2):
            assert time.monotonic() < deadline, "the eval job made no progress on the cluster"
            time.sleep(0.2)
        assert progress["rows_done"] < len(EVAL_ROWS)  # the server stops mid-job
        # a made-up job token is refused like any other bad key
        forged = httpx.get(f"{first.base_url}{path}", headers={"Authorization": f"Bearer psj.{job_id}.forged"})
        assert forged.status_code == 401

    with (
        run_server(config, home / "state", port=port, timeout=300) as second,
        httpx.Client(base_url=second.base_url, headers=auth, timeout=120) as http,
    ):
        deadline = time.monotonic() + JOB_TIMEOUT_S
        while (status := http.get(path).json())["status"] not in ("completed", "failed", "cancelled"):
            assert time.monotonic() < deadline, f"the adopted eval job did not finish: {status}"
            time.sleep(0.5)
        assert status["status"] == "completed", status
        result = http.get(f"{path}/result").json()
        assert len(result["generations"]) == len(EVAL_ROWS)
        assert all(g["generated_answer"] for g in result["generations"])
        score = result["scores"]["basic::subset_of"]
        assert len(score["score_rows"]) == len(EVAL_ROWS)
        assert score["aggregated_results"]["accuracy"]["num_total"] == len(EVAL_ROWS)
