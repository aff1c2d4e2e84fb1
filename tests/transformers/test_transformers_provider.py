"""`inline::transformers` through the real HTTP server: SmolLM2 from its GGUF file, PEFT adapters
on it, streaming, stop strings and embeddings."""

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from plugstack_transformers.config import TransformersConfig
from plugstack_transformers.loading import resolve
from plugstack_transformers.stops import StopTrimmer
from tests.support.server import RunningServer, run_server

pytestmark = pytest.mark.slow

MESSAGES = [{"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture(scope="module")
def stack(
    gguf: Path, hf_dir: Path, lora_dir: Path, zero_lora_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    models = [
        {"model_id": "smol", "metadata": {"path": str(gguf)}},
        {"model_id": "smol-lora", "metadata": {"adapter_path": str(lora_dir), "base_model": str(hf_dir)}},
        {"model_id": "smol-zero-lora", "metadata": {"adapter_path": str(zero_lora_dir), "base_model": str(hf_dir)}},
        {"model_id": "smol-embed", "model_type": "embedding", "metadata": {"path": str(hf_dir)}},
    ]
    config = f"""version: 1
distribution: transformers-test
apis: [inference]
providers:
  inference:
    - provider_id: transformers
      provider_type: inline::transformers
      config: {{default_max_tokens: 16}}
registered_resources:
  models: {json.dumps(models)}
"""
    with run_server(config, tmp_path_factory.mktemp("stack"), timeout=300) as server:
        yield server


@pytest.fixture(scope="module")
def client(stack: RunningServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{stack.base_url}/v1", api_key="none", max_retries=0, timeout=120)


def chat(client: openai.OpenAI, model: str, **options: object) -> str:
    options = {"max_tokens": 12, "temperature": 0, **options}
    reply = client.chat.completions.create(model=model, messages=MESSAGES, **options)
    return reply.choices[0].message.content or ""


def test_all_models_loaded(client: openai.OpenAI) -> None:
    assert {"smol", "smol-lora", "smol-zero-lora", "smol-embed"} <= {model.id for model in client.models.list()}


def test_providers_say_what_auto_picked(stack: RunningServer) -> None:
    health = httpx.get(f"{stack.base_url}/v1/providers/transformers").json()["health"]
    auto = resolve(TransformersConfig())  # the stack's config leaves device and dtype to auto
    assert health["status"] == "OK"
    assert health["message"] == f"4 model(s) loaded; device {auto.device} (auto), dtype {auto.dtype} (auto)"


def test_gguf_model_answers_with_real_tokens(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(model="smol", messages=MESSAGES, max_tokens=12, temperature=0)
    assert "Paris" in (reply.choices[0].message.content or "")
    assert reply.usage is not None and 0 < reply.usage.completion_tokens <= 12
    assert reply.choices[0].finish_reason in ("stop", "length")


def test_stream_equals_whole_reply(client: openai.OpenAI) -> None:
    chunks = list(
        client.chat.completions.create(
            model="smol", messages=MESSAGES, max_tokens=12, temperature=0, stream=True,
            stream_options={"include_usage": True},
        )
    )  # fmt: skip
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert text == chat(client, "smol")
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0


def test_stop_string_is_cut_out(client: openai.OpenAI) -> None:
    whole = chat(client, "smol")
    assert "Paris" in whole
    cut = chat(client, "smol", stop=["Paris"])
    assert cut == whole[: whole.index("Paris")]
    streamed = client.chat.completions.create(
        model="smol", messages=MESSAGES, max_tokens=12, temperature=0, stop=["Paris"], stream=True
    )
    assert "".join(c.choices[0].delta.content or "" for c in streamed if c.choices) == cut


def test_seeded_sampling_is_reproducible(client: openai.OpenAI) -> None:
    first = chat(client, "smol", temperature=1.0, seed=7)
    assert first == chat(client, "smol", temperature=1.0, seed=7)


def test_text_completion(client: openai.OpenAI) -> None:
    reply = client.completions.create(model="smol", prompt="The capital of France is", max_tokens=5, temperature=0)
    assert reply.choices[0].text.strip()
    assert reply.usage is not None and reply.usage.completion_tokens == 5
    assert reply.choices[0].finish_reason == "length"


def test_lora_adapter_changes_the_output_and_a_zero_adapter_does_not(client: openai.OpenAI) -> None:
    base = chat(client, "smol")
    assert chat(client, "smol-zero-lora") == base  # same weights (B = 0) from the HF dir: same greedy reply
    assert chat(client, "smol-lora") != base


def test_embeddings_are_normalised_mean_pools(client: openai.OpenAI) -> None:
    texts = ["Paris is the capital of France.", "The capital of France is Paris.", "Bananas are yellow."]
    vectors = [item.embedding for item in client.embeddings.create(model="smol-embed", input=texts).data]
    assert all(len(vector) == 576 for vector in vectors)
    assert all(abs(sum(x * x for x in vector) - 1) < 1e-4 for vector in vectors)
    similarity = [sum(a * b for a, b in zip(vectors[0], other, strict=True)) for other in vectors[1:]]
    assert similarity[0] > similarity[1]  # the paraphrase is nearer than the unrelated sentence


def test_embedding_model_refuses_chat_and_bad_registrations_are_400(stack: RunningServer) -> None:
    base = stack.base_url
    wrong_kind = httpx.post(f"{base}/v1/chat/completions", json={"model": "smol-embed", "messages": MESSAGES})
    assert wrong_kind.status_code == 400
    missing = httpx.post(
        f"{base}/v1/models", json={"model_id": "ghost", "metadata": {"adapter_path": "/nonexistent/adapter"}}
    )
    assert missing.status_code == 400
    assert "adapter_path" in missing.json()["detail"]
    tools = httpx.post(
        f"{base}/v1/chat/completions",
        json={"model": "smol", "messages": MESSAGES,
              "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]},
    )  # fmt: skip
    assert tools.status_code == 400 and "tools" in tools.json()["detail"]


@pytest.mark.parametrize(
    ("pieces", "stops", "expected"),
    [
        (["Hello wo", "rld. End"], ["world"], "Hello "),
        (["ab", "c", "d"], ["cx"], "abcd"),
        (["no stop here"], [], "no stop here"),
        (["x<", "|end", "|>y"], ["<|end|>"], "x"),
    ],
)
def test_stop_trimmer(pieces: list[str], stops: list[str], expected: str) -> None:
    trimmer = StopTrimmer(stops)
    assert "".join(trimmer.feed(piece) for piece in pieces) + trimmer.flush() == expected
