"""Training with several processes on one machine, launched from the job's child process.

torch's elastic launcher (what ``torchrun --nproc-per-node N`` runs) starts one worker per device
and gives each its rank; the HF Trainer's accelerate backend then runs DDP, or FSDP when the plan
asks, over gloo on CPU and nccl on GPUs. Rank 0 alone reports progress, logs, checkpoints and
the result, through a queue that a thread of the launcher forwards to the job's reporter. The
workers stay in the job's process group, so the job system's cancel kills every one of them.
"""

import logging
import multiprocessing
import os
import threading
from typing import Any

from plugstack_trl.plan import TrainingPlan

# Set in every worker's environment: says which job a training process belongs to (`ps e`).
JOB_ENV = "PLUGSTACK_TRL_JOB"


class QueueReporter:
    """Rank 0's reporter: the job's reporter calls, sent to the launcher over a queue."""

    def __init__(self, queue: Any) -> None:
        self._queue = queue

    def progress(self, **fields: Any) -> None:
        self._queue.put(("progress", (), fields))

    def log(self, line: str) -> None:
        self._queue.put(("log", (line,), {}))

    def artifact(self, artifact: dict[str, Any]) -> None:
        self._queue.put(("artifact", (artifact,), {}))


class SilentReporter:
    """The other ranks' reporter: they train and evaluate alongside rank 0 and report nothing."""

    def progress(self, **fields: Any) -> None:
        pass

    def log(self, line: str) -> None:
        pass

    def artifact(self, artifact: dict[str, Any]) -> None:
        pass


def world_size(plan: TrainingPlan) -> int:
    """The number of processes: ``auto`` is one per visible CUDA GPU (1 on CPU)."""
    wanted = plan.parallel.num_processes
    if wanted != "auto" and wanted <= 1:
        return 1
    import torch

    gpus = torch.cuda.device_count() if plan.device != "cpu" and torch.cuda.is_available() else 0
    if wanted == "auto":
        wanted = max(gpus, 1)
    elif gpus and wanted > gpus:
        raise RuntimeError(f"num_processes {wanted} asks for more processes than the {gpus} visible CUDA GPUs")
    if plan.parallel.fsdp and (not gpus or wanted < 2):  # accelerate sets FSDP up on several GPUs only
        raise RuntimeError(f"FSDP (memory_efficient_fsdp_wrap, fsdp_cpu_offload) needs 2+ CUDA GPUs; torch sees {gpus}")
    return wanted


def threads_per_process(plan: TrainingPlan, processes: int) -> int:
    """Each worker's share of the cores (or of the configured threads), so workers never oversubscribe."""
    return max(1, (plan.num_threads or os.cpu_count() or 1) // processes)


def launch(plan: TrainingPlan, processes: int, reporter: Any) -> dict[str, Any]:
    """Runs `train` in ``processes`` workers and returns rank 0's result."""
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.launcher.api import LaunchConfig, elastic_launch

    from plugstack_trl.training import base_folder

    if plan.batch_size % processes:
        raise RuntimeError(f"batch_size {plan.batch_size} does not split evenly over {processes} processes")
    # A GGUF base is converted once here, not by every worker at the same time.
    if plan.base.gguf_file:
        base = plan.base.model_copy(update={"path": str(base_folder(plan, reporter)), "gguf_file": None})
        plan = plan.model_copy(update={"base": base})
    threads = threads_per_process(plan, processes)
    os.environ.update({"OMP_NUM_THREADS": str(threads), JOB_ENV: plan.job_uuid})
    logging.getLogger("torch.distributed.elastic").setLevel(logging.WARNING)
    queue = multiprocessing.get_context("spawn").Queue()
    forwarder = threading.Thread(target=_forward, args=(queue, reporter), daemon=True)
    forwarder.start()
    config = LaunchConfig(
        min_nodes=1,
        max_nodes=1,
        nproc_per_node=processes,
        run_id=plan.job_uuid,
        rdzv_backend="c10d",
        rdzv_endpoint="127.0.0.1:0",  # a free port, as torchrun --standalone picks
        max_restarts=0,
        start_method="spawn",
        monitor_interval=0.5,
    )
    reporter.log(f"launching {processes} training processes ({threads} threads each)")
    try:
        results = elastic_launch(config, _worker)(plan.model_dump_json(), queue)
    except ChildFailedError as exc:
        rank, failure = exc.get_first_failure()
        reason = failure.message  # the worker's error file: {"message": ..., "extraInfo": {traceback}}, or text
        reason = reason.get("message", reason) if isinstance(reason, dict) else reason
        raise RuntimeError(f"training process {rank} failed: {reason}") from None
    finally:
        queue.put(None)
        forwarder.join()
    return results[0]


def _forward(queue: Any, reporter: Any) -> None:
    while (message := queue.get()) is not None:
        method, args, kwargs = message
        getattr(reporter, method)(*args, **kwargs)


def _worker(plan_json: str, queue: Any) -> dict[str, Any] | None:
    """One rank: trains its share of every batch; only rank 0 reports and returns the result."""
    from torch.distributed.elastic.multiprocessing.errors import record

    return record(_train)(plan_json, queue)


def _train(plan_json: str, queue: Any) -> dict[str, Any] | None:
    from plugstack_trl.training import train

    plan = TrainingPlan.model_validate_json(plan_json)
    reporter = QueueReporter(queue) if int(os.environ["RANK"]) == 0 else SilentReporter()
    result = train(plan, reporter)
    return result.model_dump(mode="json") if result is not None else None
