"""The zero-work backend's two flavours (raw asyncio, FastAPI on uvicorn) answer the same bytes,
so bench_gateway's figures in front of each differ by the backend's cost only; and the relay
passes the FastAPI flavour's replies through as it does the other's."""

from collections.abc import Iterator

import httpx
import openai
import pytest

from tests.support.server import RunningServer, run_server
from tests.support.zero_backend import FAILING, MODEL, Flavour, zero_backend

ALIAS = "zero-alias"
CHAT = {"model": MODEL, "messages": [{"role": "user", "content": "Name a colour."}], "max_tokens": 8}
STREAM = {"stream": True, "stream_options": {"include_usage": True}}
REQUESTS = [
    ("/chat/completions", CHAT),
    ("/chat/completions", {**CHAT, **STREAM}),
    ("/chat/completions", {**CHAT, "stream": True}),
    ("/completions", {"model": MODEL, "prompt": "Say"}),
    ("/completions", {"model": MODEL, "prompt": "Say", **STREAM}),
    ("/embeddings", {"model": MODEL, "input": ["a", "b"]}),
    ("/chat/completions", {**CHAT, "model": FAILING}),
    ("/unknown", {"model": MODEL}),
]


@pytest.fixture(scope="module")
def backends() -> Iterator[dict[Flavour, str]]:
    with zero_backend(flavour="asyncio") as raw, zero_backend(flavour="fastapi") as fastapi:
        yield {"asyncio": raw, "fastapi": fastapi}


def answers(url: str, path: str, body: dict) -> tuple[int, str, bytes]:
    response = httpx.post(f"{url}{path}", json=body)
    return response.status_code, response.headers["content-type"].split(";")[0], response.content


@pytest.mark.parametrize(("path", "body"), REQUESTS)
def test_both_flavours_answer_the_same_bytes(backends: dict[Flavour, str], path: str, body: dict) -> None:
    raw, fastapi = (answers(backends[flavour], path, body) for flavour in ("asyncio", "fastapi"))
    assert fastapi == raw


def test_both_flavours_list_models_and_count_posts(backends: dict[Flavour, str]) -> None:
    models = {flavour: httpx.get(f"{url}/models").content for flavour, url in backends.items()}
    assert models["fastapi"] == models["asyncio"]
    for url in backends.values():
        served = f"{url.removesuffix('/v1')}/served"
        before = httpx.get(served).json()["served"]
        answers(url, *REQUESTS[0])
        answers(url, *REQUESTS[1])
        assert httpx.get(served).json()["served"] == before + 2


@pytest.fixture(scope="module")
def compressing() -> Iterator[str]:
    """The FastAPI flavour behind gzip, as a backend behind a compressing proxy answers."""
    with zero_backend(flavour="fastapi", gzip=True) as url:
        yield url


@pytest.fixture(scope="module")
def stack(compressing: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    config = f"""\
version: 1
distribution: zero-fastapi
apis: [inference]
providers:
  inference:
    - {{provider_id: vllm, provider_type: remote::vllm, config: {{url: {compressing}, max_retries: 0}}}}
registered_resources:
  models:
    - {{model_id: {ALIAS}, provider_id: vllm, provider_model_id: {MODEL}}}
"""
    with run_server(config, tmp_path_factory.mktemp("zero-fastapi")) as server:
        yield server


def test_the_relay_passes_the_fastapi_flavour_through(stack: RunningServer, compressing: str) -> None:
    direct = httpx.post(f"{compressing}/chat/completions", json={**CHAT, **STREAM}).content
    ours = httpx.post(f"{stack.base_url}/v1/chat/completions", json={**CHAT, **STREAM, "model": ALIAS}).content
    assert ours == direct.replace(f'"model":"{MODEL}"'.encode(), f'"model":"{ALIAS}"'.encode())
    client = openai.OpenAI(base_url=f"{stack.base_url}/v1", api_key="none", max_retries=0)
    reply = client.chat.completions.create(**{**CHAT, "model": ALIAS})
    assert (reply.model, reply.choices[0].message.content, reply.usage.total_tokens) == (ALIAS, "Blue.", 15)


def test_the_relay_asks_for_identity_so_a_compressing_backend_sends_plain_bytes(
    stack: RunningServer, compressing: str
) -> None:
    """The relay forwards the backend's bytes as they are: it must never be sent gzip."""
    zipped = httpx.post(f"{compressing}/chat/completions", json=CHAT, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"  # the backend does compress when asked
    ours = httpx.post(f"{stack.base_url}/v1/chat/completions", json={**CHAT, "model": ALIAS})
    assert "content-encoding" not in ours.headers
    assert ours.json()["choices"][0]["message"]["content"] == "Blue."
