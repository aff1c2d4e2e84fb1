"""`inline::vllm` for real: a plugstack server run from `.venv-vllm` (where vLLM is importable)
with vLLM's engine in-process on SmolLM2 and a LoRA adapter, driven by the `openai` client."""

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from tests.support.server import RunningServer, run_server
from tests.vllm.backend import VLLM_ENV, VLLM_PYTHON, requires_vllm_venv

pytestmark = [pytest.mark.slow, requires_vllm_venv]

BASE = "smol"
ADAPTER = "smol-lora"
MESSAGES = [{"role": "user", "content": "What is the capital of France? Answer in one word."}]


@pytest.fixture(scope="module")
def stack(smollm2_dir: Path, lora_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    config = {
        "model": str(smollm2_dir),
        "served_model_name": BASE,
        "dtype": "float32",
        "enforce_eager": True,
        "max_model_len": 2048,
        "lora_adapters": {ADAPTER: str(lora_dir)},
        "max_lora_rank": 8,
        "max_loras": 1,
    }
    run_yaml = f"""version: 1
distribution: vllm-inline-test
apis: [inference]
providers:
  inference:
    - provider_id: vllm-engine
      provider_type: inline::vllm
      config: {json.dumps(config)}
"""
    state = tmp_path_factory.mktemp("stack")
    with run_server(run_yaml, state, env=VLLM_ENV, timeout=600, python=VLLM_PYTHON) as server:
        yield server


@pytest.fixture(scope="module")
def client(stack: RunningServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{stack.base_url}/v1", api_key="none", max_retries=0, timeout=120)


def chat(client: openai.OpenAI, model: str, **extra: object) -> str:
    reply = client.chat.completions.create(model=model, messages=MESSAGES, max_tokens=8, temperature=0, **extra)
    return reply.choices[0].message.content or ""


def test_the_engine_is_healthy_and_serves_the_base_model_and_the_adapter(
    stack: RunningServer, client: openai.OpenAI
) -> None:
    providers = {p["provider_id"]: p for p in httpx.get(f"{stack.base_url}/v1/providers").json()["data"]}
    assert providers["vllm-engine"]["provider_type"] == "inline::vllm"
    assert providers["vllm-engine"]["health"]["status"] == "OK", providers["vllm-engine"]["health"]
    assert {BASE, ADAPTER} <= {model.id for model in client.models.list()}


def test_chat_stream_and_not(client: openai.OpenAI) -> None:
    whole = client.chat.completions.create(model=BASE, messages=MESSAGES, max_tokens=8, temperature=0)
    text = whole.choices[0].message.content or ""
    assert "paris" in text.lower()
    assert whole.usage is not None and whole.usage.prompt_tokens > 0 and whole.usage.completion_tokens > 0
    stream = client.chat.completions.create(model=BASE, messages=MESSAGES, max_tokens=8, temperature=0, stream=True)
    chunks = list(stream)
    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices) == text
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] in (
        ["stop"],
        ["length"],
    )


def test_the_adapter_changes_the_answer(client: openai.OpenAI) -> None:
    base = chat(client, BASE)
    adapted = chat(client, ADAPTER)
    assert adapted and adapted != base
    assert chat(client, BASE) == base  # the base model is untouched by the adapter's requests


def test_completion_stream_and_not(client: openai.OpenAI) -> None:
    prompt = "The capital of France is"
    whole = client.completions.create(model=BASE, prompt=prompt, max_tokens=6, temperature=0)
    assert whole.choices[0].text.strip()
    pieces = client.completions.create(model=BASE, prompt=prompt, max_tokens=6, temperature=0, stream=True)
    assert "".join(piece.choices[0].text for piece in pieces if piece.choices) == whole.choices[0].text


def test_json_schema_response_format_is_followed(client: openai.OpenAI) -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "country": {"type": "string"}},
        "required": ["city", "country"],
        "additionalProperties": False,
    }
    reply = client.chat.completions.create(
        model=BASE,
        messages=[{"role": "user", "content": "Give the capital of France as JSON."}],
        max_tokens=48,
        temperature=0,
        response_format={"type": "json_schema", "json_schema": {"name": "capital", "schema": schema}},
    )
    assert reply.choices[0].finish_reason == "stop"
    data = json.loads(reply.choices[0].message.content or "")
    assert set(data) == {"city", "country"}
