"""`remote::vllm` relays the backend's bytes: the real server in front of the zero-work backend,
compared byte for byte with what the backend itself answers (model id aside)."""

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from tests.support.server import RunningServer, run_server
from tests.support.zero_backend import FAILING, MODEL, zero_backend

ALIAS, EMBEDDER = "zero-alias", "zero-embed"
CHAT = {"messages": [{"role": "user", "content": "Name a colour."}], "max_tokens": 8}


def run_yaml(url: str) -> str:
    return f"""\
version: 1
distribution: relay-test
apis: [inference]
providers:
  inference:
    - {{provider_id: vllm, provider_type: remote::vllm, config: {{url: {url}, max_retries: 0}}}}
registered_resources:
  models:
    - {{model_id: {ALIAS}, provider_id: vllm, provider_model_id: {MODEL}}}
    - {{model_id: {EMBEDDER}, provider_id: vllm, provider_model_id: {MODEL}, model_type: embedding}}
"""


@pytest.fixture(scope="module")
def backend_url() -> Iterator[str]:
    with zero_backend() as url:
        yield url


@pytest.fixture(scope="module")
def stack(backend_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with run_server(run_yaml(backend_url), tmp_path_factory.mktemp("relay")) as server:
        yield server


def renamed(raw: bytes, name: str) -> bytes:
    return raw.replace(f'"model":"{MODEL}"'.encode(), f'"model":"{name}"'.encode(), 1)


@pytest.mark.parametrize(("path", "body"), [("/chat/completions", CHAT), ("/completions", {"prompt": "Say"})])
@pytest.mark.parametrize("model", [MODEL, ALIAS])
def test_replies_are_the_backends_bytes(
    stack: RunningServer, backend_url: str, path: str, body: dict, model: str
) -> None:
    direct = httpx.post(f"{backend_url}{path}", json={"model": MODEL, **body})
    ours = httpx.post(f"{stack.base_url}/v1{path}", json={"model": model, **body})
    assert ours.status_code == 200 and ours.headers["content-type"] == "application/json"
    assert ours.content == renamed(direct.content, model)  # no `"tool_calls": null` added, nothing reordered


def events(response: httpx.Response) -> list[bytes]:
    return [line[6:] for line in response.content.split(b"\n\n") if line.startswith(b"data: ")]


@pytest.mark.parametrize("path", ["/chat/completions", "/completions"])
def test_streams_keep_every_chunk_as_sent(stack: RunningServer, backend_url: str, path: str) -> None:
    body = {"prompt": "Say"} if path == "/completions" else CHAT
    streamed = {**body, "stream": True, "stream_options": {"include_usage": True}}
    direct = events(httpx.post(f"{backend_url}{path}", json={"model": MODEL, **streamed}))
    ours = events(httpx.post(f"{stack.base_url}/v1{path}", json={"model": ALIAS, **streamed}))
    assert ours == [renamed(event, ALIAS) if event != b"[DONE]" else event for event in direct]
    assert b'"finish_reason":null' in ours[0] and b'"logprobs":null' in ours[0]
    assert json.loads(ours[-2])["usage"]["total_tokens"] == 15 and ours[-1] == b"[DONE]"


def test_llama_stack_client_streams_end_without_done(stack: RunningServer) -> None:
    response = httpx.post(
        f"{stack.base_url}/v1/chat/completions",
        json={"model": ALIAS, "stream": True, **CHAT},
        headers={"user-agent": "LlamaStackClient/Python 0.3.5"},
    )
    assert events(response)[-1] != b"[DONE]"
    assert all(json.loads(event)["model"] == ALIAS for event in events(response))


def test_embeddings_are_relayed(stack: RunningServer, backend_url: str) -> None:
    direct = httpx.post(f"{backend_url}/embeddings", json={"model": MODEL, "input": ["a", "b"]})
    ours = httpx.post(f"{stack.base_url}/v1/embeddings", json={"model": EMBEDDER, "input": ["a", "b"]})
    assert ours.content == renamed(direct.content, EMBEDDER)


def test_openai_client_reads_the_relay(stack: RunningServer) -> None:
    client = openai.OpenAI(base_url=f"{stack.base_url}/v1", api_key="none", max_retries=0)
    reply = client.chat.completions.create(model=ALIAS, **CHAT)
    assert (reply.model, reply.choices[0].message.content) == (ALIAS, "Blue.")
    chunks = list(client.chat.completions.create(model=ALIAS, stream=True, **CHAT))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Blue."


def test_backend_rejection_is_our_error_shape(stack: RunningServer) -> None:
    response = httpx.post(f"{stack.base_url}/v1/chat/completions", json={"model": FAILING, **CHAT})
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"status", "title", "detail", "instance"}
    assert "rejected the request (400)" in body["detail"] and "refuses" in body["detail"]


def test_request_validation_still_applies(stack: RunningServer) -> None:
    response = httpx.post(f"{stack.base_url}/v1/chat/completions", json={"model": ALIAS, "messages": []})
    assert response.status_code == 400 and "body.messages" in response.json()["detail"]


def test_rename_keeps_other_bytes_and_finds_only_the_top_level_model(tmp_path: Path) -> None:
    from plugstack.remote.rename import rename_model

    nested = b'{"id":"x","meta":{"model":"inner"},"note":"say \\"model\\": \\"no\\"","model":"zero","n":1}'
    assert rename_model(nested, "mine") == nested.replace(b'"model":"zero"', b'"model":"mine"')
    assert rename_model(b'{"model" : "zero", "a": 1}', "zero") == b'{"model" : "zero", "a": 1}'
    assert json.loads(rename_model(b'{"a": [1], "b": 2}', "mine")) == {"a": [1], "b": 2, "model": "mine"}


def test_a_streams_events_are_renamed_as_each_alone_would_be() -> None:
    from plugstack.remote.rename import StreamRenamer, rename_model

    head = b'{"id":"c1","object":"chat.completion.chunk","created":1,"model":"zero",'
    events = [
        head + b'"choices":[{"delta":{"content":"a"}}]}',
        head + b'"choices":[{"delta":{"content":"\\"model\\":\\"b\\""}}]}',
        b'{"id":"c2","model":"zero","choices":[]}',  # another start
        b'{"choices":[{"model":"inner"}],"model":"zero"}',  # the model after nesting
        head + b'"choices":[],"usage":{"total_tokens":3}}',
    ]
    rename = StreamRenamer("mine")
    assert [rename(event) for event in events] == [rename_model(event, "mine") for event in events]
    assert all(b'"model":"mine"' in rename(event) for event in events)
