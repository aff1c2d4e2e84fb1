"""inline::trl with `num_processes: 2` on this CPU: two real workers (DDP over gloo) train the
same LoRA job as one process does, through the real servers' post-training API.

The same request (8 distinct dialogs of different lengths, batch 4, 2 steps, seeded order) goes
to a stack with one training process and to a stack with two, where each worker takes 2 rows of
every batch. Both must log the same per-step losses and save the same adapter. Cancel must kill
every worker of a 2-process job.
"""

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from llama_stack_client import BadRequestError, LlamaStackClient
from safetensors.numpy import load_file

from tests.post_training.conftest import JOB_TIMEOUT_S, LORA, training_config, wait_for
from tests.support.models import smollm2_gguf
from tests.support.server import RunningServer, run_server

pytestmark = pytest.mark.slow

JOB_ENV = "PLUGSTACK_TRL_JOB"  # set by plugstack_trl.distributed in every worker's environment
# Both runs compute in fp32 and differ only in how the sums are split (per-worker batches padded to
# their own length, gradients averaged by an all-reduce): measured differences are ~1e-6 in the
# losses and ~7e-6 in adapter weights. One Adam step moves a weight by about lr (1e-3), so a wrong
# shard, a missing all-reduce or a per-worker learning rate would exceed these bounds many times.
LOSS_TOLERANCE = 2e-4  # the job log prints losses with 4 decimals
WEIGHT_TOLERANCE = 1e-4


def stack_config(base_cache: Path, processes: int) -> str:
    return f"""version: 1
distribution: multiprocess-training-test
apis: [datasetio, post_training]
providers:
  datasetio:
    - provider_id: localfs
      provider_type: inline::localfs
      config: {{uri_schemes: [file, data], inline_rows: true}}
  post_training:
    - provider_id: trl
      provider_type: inline::trl
      config:
        base_model_cache: "{base_cache}"
        device: cpu
        max_length: 64
        num_threads: 2
        num_processes: {processes}
"""


def dialogs() -> list[dict[str, Any]]:
    """Distinct rows of different lengths: a worker that trained on the wrong rows would show."""
    return [
        {
            "messages": [
                {"role": "user", "content": f"What is secret number {i}?"},
                {"role": "assistant", "content": f"Secret {i} is" + " pineapple" * (i % 3 + 1) + "."},
            ]
        }
        for i in range(8)
    ]


def start_job(
    client: LlamaStackClient, steps: int, batch_size: int = 4, efficiency: dict[str, bool] | None = None
) -> str:
    job_uuid = f"mp-{uuid.uuid4().hex[:8]}"
    client.alpha.post_training.supervised_fine_tune(
        job_uuid=job_uuid,
        model=str(smollm2_gguf()),
        algorithm_config=LORA,
        training_config={
            **training_config("dialogs", epochs=1, steps=steps, lr=1e-3, batch_size=batch_size),
            "efficiency_config": efficiency,
        },
        hyperparam_search_config={},
        logger_config={},
    )
    return job_uuid


def job_log(server: RunningServer, job_uuid: str) -> list[str]:
    logs = httpx.get(f"{server.base_url}/v1alpha/post-training/job/logs", params={"job_uuid": job_uuid}).json()
    return [line["line"] for line in logs["data"]]


def step_losses(log: list[str]) -> list[float]:
    return [float(m[1]) for line in log if (m := re.match(r"step \d+/\d+ loss ([0-9.]+)", line))]


def worker_pids(job_uuid: str) -> list[int]:
    """Processes whose environment names the job: its training workers (and their queue's helper)."""
    marker = f"{JOB_ENV}={job_uuid}".encode()
    pids = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker in environ.read_bytes().split(b"\0"):
                pids.append(int(environ.parent.name))
        except OSError:  # gone meanwhile, or not ours
            continue
    return pids


def serve(base_cache: Path, state: Path, processes: int) -> Iterator[tuple[RunningServer, LlamaStackClient]]:
    with run_server(stack_config(base_cache, processes), state, timeout=300) as server:
        client = LlamaStackClient(base_url=server.base_url, max_retries=0, timeout=120)
        client.datasets.register(
            purpose="post-training/messages", source={"type": "rows", "rows": dialogs()}, dataset_id="dialogs"
        )
        yield server, client


@pytest.fixture(scope="module")
def one_process(base_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from serve(base_cache, tmp_path_factory.mktemp("one-process"), 1)


@pytest.fixture(scope="module")
def two_processes(base_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from serve(base_cache, tmp_path_factory.mktemp("two-processes"), 2)


def completed(status: Any) -> bool:
    return status.status == "completed"


def train(stack: tuple[RunningServer, LlamaStackClient]) -> tuple[dict[str, Any], list[str], Any]:
    """The 2-step LoRA job through ``stack``: its final progress, its log lines, its checkpoint."""
    server, client = stack
    job_uuid = start_job(client, steps=2)
    status = wait_for(client, job_uuid, completed)
    checkpoint = client.alpha.post_training.job.artifacts(job_uuid=job_uuid).checkpoints[-1]
    return status.to_dict()["progress"], job_log(server, job_uuid), checkpoint


# One job per fixture, so that each test's time limit covers one training run (2 loaded cores).
@pytest.fixture(scope="module")
def single_run(one_process: Any) -> tuple[dict[str, Any], list[str], Any]:
    return train(one_process)


@pytest.fixture(scope="module")
def multi_run(two_processes: Any) -> tuple[dict[str, Any], list[str], Any]:
    return train(two_processes)


def test_one_process_reference_run(single_run: Any) -> None:
    single, single_log, _ = single_run
    assert single["resources"]["processes"] == 1 and single["resources"]["parallelism"] == "none"
    assert len(step_losses(single_log)) == single["step"] == 2


def test_two_processes_train_like_one(single_run: Any, multi_run: Any) -> None:
    (single, single_log, single_checkpoint), (multi, multi_log, multi_checkpoint) = single_run, multi_run
    single_losses, multi_losses = step_losses(single_log), step_losses(multi_log)
    assert multi["resources"]["processes"] == 2 and multi["resources"]["parallelism"] == "ddp"
    assert multi["resources"]["torch_threads"] == 1  # 2 configured threads shared by 2 workers
    assert "training: 2 steps, 1 epoch(s) on cpu, 2 processes, MULTI_CPU" in multi_log  # accelerate's DDP on CPU
    assert multi["step"] == single["step"] == multi["total_steps"] == 2
    assert np.allclose(multi_losses, single_losses, rtol=0, atol=LOSS_TOLERANCE), (single_losses, multi_losses)
    single_metrics, multi_metrics = single_checkpoint.training_metrics, multi_checkpoint.training_metrics
    assert single_metrics and multi_metrics
    assert abs(multi_metrics.train_loss - single_metrics.train_loss) < LOSS_TOLERANCE

    single_adapter = load_file(Path(single_checkpoint.path) / "adapter_model.safetensors")
    multi_adapter = load_file(Path(multi_checkpoint.path) / "adapter_model.safetensors")
    assert single_adapter.keys() == multi_adapter.keys() and len(single_adapter) == 120  # 30 layers x q,v x A,B
    lora_b = [name for name in single_adapter if "lora_B" in name]
    assert all(np.abs(single_adapter[name]).max() > 10 * WEIGHT_TOLERANCE for name in lora_b)  # it did train
    for name, weights in single_adapter.items():
        np.testing.assert_allclose(multi_adapter[name], weights, rtol=0, atol=WEIGHT_TOLERANCE, err_msg=name)


@pytest.mark.parametrize(
    ("options", "detail"),
    [
        ({"batch_size": 3}, r"batch_size: 3 rows do not split evenly over the 2 training processes"),
        # accelerate 1.15 sets FSDP up on GPUs only: on CPU it would quietly run DDP instead
        ({"efficiency": {"memory_efficient_fsdp_wrap": True}}, r"efficiency_config: FSDP .* on GPUs only"),
        ({"efficiency": {"fsdp_cpu_offload": True}}, r"efficiency_config: FSDP .* on GPUs only"),
    ],
)
def test_requests_two_cpu_processes_cannot_honour_are_400(
    two_processes: Any, options: dict[str, Any], detail: str
) -> None:
    _, client = two_processes
    jobs = len(client.alpha.post_training.job.list())
    with pytest.raises(BadRequestError, match=detail):
        start_job(client, steps=1, **options)
    assert len(client.alpha.post_training.job.list()) == jobs  # refused before any job exists


def test_cancel_kills_every_worker(two_processes: Any) -> None:
    _, client = two_processes
    job_uuid = start_job(client, steps=500)
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while len(workers := worker_pids(job_uuid)) < 2:
        assert time.monotonic() < deadline, "the job never started its 2 workers"
        assert client.alpha.post_training.job.status(job_uuid=job_uuid).status in ("scheduled", "in_progress")
        time.sleep(0.5)
    client.alpha.post_training.job.cancel(job_uuid=job_uuid)
    assert client.alpha.post_training.job.status(job_uuid=job_uuid).status == "cancelled"
    deadline = time.monotonic() + 30  # the job system's SIGTERM, then SIGKILL after its grace period
    while any(Path(f"/proc/{pid}").exists() and not _zombie(pid) for pid in workers):
        assert time.monotonic() < deadline, f"workers {workers} outlived the cancel"
        time.sleep(0.5)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
