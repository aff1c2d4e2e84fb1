"""`remote::vllm` for real: plugstack in front of a real OpenAI-compatible server (llama.cpp's
server on SmolLM2), driven by the `openai` client through plugstack's HTTP server."""

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from tests.remote.conftest import BACKEND_MODEL
from tests.support.openai_backend import Backend, llama_cpp_server
from tests.support.server import RunningServer, free_port, run_server

pytestmark = pytest.mark.slow

MESSAGES = [{"role": "user", "content": "What is the capital of France? Answer in one word."}]


def remote_run_yaml(*providers: tuple[str, str], models: str = "", interval: float = 30) -> str:
    entries = "".join(
        f"""
    - provider_id: {provider_id}
      provider_type: remote::vllm
      config:
        url: {url}
        connect_timeout_s: 2
        max_retries: 1
        retry_backoff_s: 0.05
        discovery_interval_s: {interval}"""
        for provider_id, url in providers
    )
    return f"version: 1\ndistribution: remote-test\napis: [inference]\nproviders:\n  inference:{entries}\n{models}"


@pytest.fixture(scope="module")
def stack(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with run_server(remote_run_yaml(("vllm", backend.base_url)), tmp_path_factory.mktemp("stack")) as server:
        yield server


@pytest.fixture(scope="module")
def client(stack: RunningServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{stack.base_url}/v1", api_key="none", max_retries=0)


@pytest.fixture(scope="module")
def direct(backend: Backend) -> openai.OpenAI:
    return openai.OpenAI(base_url=backend.base_url, api_key="none", max_retries=0)


def test_models_are_discovered_from_the_backend(client: openai.OpenAI) -> None:
    models = {model.id: model for model in client.models.list()}
    assert BACKEND_MODEL in models
    assert models[BACKEND_MODEL].owned_by == "vllm"


def test_chat_matches_the_backend_answer(client: openai.OpenAI, direct: openai.OpenAI) -> None:
    ours = client.chat.completions.create(model=BACKEND_MODEL, messages=MESSAGES, max_tokens=8, temperature=0)
    theirs = direct.chat.completions.create(model=BACKEND_MODEL, messages=MESSAGES, max_tokens=8, temperature=0)
    assert ours.choices[0].message.content
    assert ours.choices[0].message.content == theirs.choices[0].message.content
    assert "paris" in ours.choices[0].message.content.lower()
    assert ours.usage is not None and ours.usage.completion_tokens > 0


def test_chat_stream_passes_tokens_through(client: openai.OpenAI) -> None:
    whole = client.chat.completions.create(model=BACKEND_MODEL, messages=MESSAGES, max_tokens=8, temperature=0)
    stream = client.chat.completions.create(
        model=BACKEND_MODEL, messages=MESSAGES, max_tokens=8, temperature=0, stream=True
    )
    chunks = list(stream)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert len(chunks) > 2
    assert text == whole.choices[0].message.content
    assert chunks[-1].choices[0].finish_reason in ("stop", "length")
    assert len({chunk.id for chunk in chunks}) == 1


def test_completion_stream_and_not(client: openai.OpenAI) -> None:
    prompt = "The capital of France is"
    whole = client.completions.create(model=BACKEND_MODEL, prompt=prompt, max_tokens=6, temperature=0)
    assert whole.choices[0].text.strip()
    assert whole.usage is not None and whole.usage.completion_tokens > 0
    pieces = client.completions.create(model=BACKEND_MODEL, prompt=prompt, max_tokens=6, temperature=0, stream=True)
    assert "".join(piece.choices[0].text for piece in pieces if piece.choices) == whole.choices[0].text


def test_backend_rejection_is_400_with_its_message(client: openai.OpenAI) -> None:
    too_long = [{"role": "user", "content": "word " * 5000}]  # over the backend's 2048-token context
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model=BACKEND_MODEL, messages=too_long, max_tokens=4)
    detail = caught.value.response.json()["detail"]
    assert "rejected the request (400)" in detail and "context" in detail.lower()


def test_unknown_model_is_404(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="no-such-model", messages=MESSAGES, max_tokens=4)
    assert BACKEND_MODEL in caught.value.response.json()["detail"]  # the 404 lists what exists


def test_provider_is_healthy(stack: RunningServer) -> None:
    provider = httpx.get(f"{stack.base_url}/v1/providers/vllm").json()
    assert provider["health"]["status"] == "OK"
    assert provider["provider_type"] == "remote::vllm"


def test_backend_down_at_start_leaves_the_provider_unhealthy_and_the_stack_serving(
    backend: Backend, gguf: Path, tmp_path: Path
) -> None:
    late_port = free_port()
    late_url = f"http://127.0.0.1:{late_port}/v1"
    alias = "{model_id: late-smol, provider_id: late, provider_model_id: smol-late}"
    models = f"registered_resources:\n  models:\n    - {alias}\n"
    config = remote_run_yaml(("live", backend.base_url), ("late", late_url), models=models, interval=0.5)
    with run_server(config, tmp_path / "stack") as server:
        base = server.base_url
        providers = {p["provider_id"]: p for p in httpx.get(f"{base}/v1/providers").json()["data"]}
        assert providers["late"]["health"]["status"] == "Error"
        assert "unreachable" in providers["late"]["health"]["message"]
        assert providers["live"]["health"]["status"] == "OK"

        down = httpx.post(f"{base}/v1/chat/completions", json={"model": "late-smol", "messages": MESSAGES})
        assert down.status_code == 503
        assert "unreachable" in down.json()["detail"]

        live = httpx.post(
            f"{base}/v1/chat/completions",
            json={"model": BACKEND_MODEL, "messages": MESSAGES, "max_tokens": 4},
            timeout=60,  # a real generation: past httpx's 5 s default on a loaded machine
        )
        assert live.status_code == 200, live.text

        # The backend comes up: its models are discovered and the registered alias works.
        with llama_cpp_server(gguf, tmp_path / "late", "smol-late", port=late_port):
            deadline = time.monotonic() + 30
            ids: set[str] = set()
            while "smol-late" not in ids and time.monotonic() < deadline:
                time.sleep(0.2)
                ids = {m["id"] for m in httpx.get(f"{base}/v1/models").json()["data"]}
            assert "smol-late" in ids
            # a cold llama.cpp server's first generation can pass httpx's 5 s default on a loaded machine
            up = httpx.post(
                f"{base}/v1/chat/completions",
                json={"model": "late-smol", "messages": MESSAGES, "max_tokens": 4},
                timeout=60,
            )
            assert up.status_code == 200, up.text
            assert httpx.get(f"{base}/v1/providers/late").json()["health"]["status"] == "OK"
