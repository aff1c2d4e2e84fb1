"""Inputs that used to reach a 500 (issue 15) get a 4xx at the server's edge, through the real
server; after each, the same keep-alive connection serves the next request."""

import json
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from plugstack.server.failsafe import FailsafeMiddleware
from tests.support.server import RunningServer, free_port, run_server
from tests.support.zero_backend import MODEL, zero_backend

MAX_BYTES = 64 * 1024
CHAT = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with zero_backend() as url:
        config = f"""\
version: 1
distribution: edge-test
apis: [inference, datasetio]
providers:
  inference:
    - {{provider_id: vllm, provider_type: remote::vllm, config: {{url: {url}}}}}
  datasetio:
    - {{provider_id: localfs, provider_type: inline::localfs}}
registered_resources:
  models:
    - {{model_id: embedder, provider_id: vllm, provider_model_id: {MODEL}, model_type: embedding}}
server:
  max_request_bytes: {MAX_BYTES}
"""
        with run_server(config, tmp_path_factory.mktemp("edge")) as running:
            yield running


@pytest.fixture
def client(server: RunningServer) -> Iterator[httpx.Client]:
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    with httpx.Client(base_url=server.base_url, limits=limits, timeout=30) as http:
        yield http


def local_port(response: httpx.Response) -> int:
    return response.extensions["network_stream"].get_extra_info("client_addr")[1]


def post_raw(client: httpx.Client, path: str, raw: bytes) -> httpx.Response:
    return client.post(path, content=raw, headers={"content-type": "application/json"})


def assert_error_then_connection_reused(client: httpx.Client, response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"status", "title", "detail", "instance"} and body["status"] == status
    after = client.post("/v1/chat/completions", json=CHAT)
    assert after.status_code == 200, after.text
    assert local_port(after) == local_port(response)  # the same keep-alive connection
    return body


LONE = "a\\ud800b"  # a lone surrogate escape, as raw JSON text


@pytest.mark.parametrize(
    ("path", "raw", "field"),
    [
        ("/v1/chat/completions",
         f'{{"model": "{MODEL}", "messages": [{{"role": "user", "content": "{LONE}"}}]}}', "body.messages[0].content"),
        ("/v1/embeddings", f'{{"model": "embedder", "input": ["ok", "{LONE}"]}}', "body.input[1]"),
        ("/v1beta/datasets",
         f'{{"purpose": "eval/messages-answer", "source": {{"type": "rows", "rows": [{{"text": "{LONE}"}}]}}}}',
         "body.source.rows[0].text"),
    ],
)  # fmt: skip
def test_lone_surrogate_is_400_naming_the_field(client: httpx.Client, path: str, raw: str, field: str) -> None:
    body = assert_error_then_connection_reused(client, post_raw(client, path, raw.encode()), 400)
    assert body["detail"].startswith(f"{field}: lone surrogate")


def test_surrogate_pairs_pass(client: httpx.Client) -> None:
    raw = json.dumps({**CHAT, "messages": [{"role": "user", "content": "smile \U0001f600"}]}).encode()
    assert b"\\ud83d\\ude00" in raw
    assert post_raw(client, "/v1/chat/completions", raw).status_code == 200


def test_deep_nesting_is_400(client: httpx.Client) -> None:
    row = {"text": json.loads("[" * 900 + "]" * 900)}
    raw = json.dumps({"purpose": "eval/messages-answer", "source": {"type": "rows", "rows": [row]}}).encode()
    body = assert_error_then_connection_reused(client, post_raw(client, "/v1beta/datasets", raw), 400)
    assert "nested deeper than 64" in body["detail"]


def test_oversized_body_is_413(client: httpx.Client) -> None:
    big = {**CHAT, "messages": [{"role": "user", "content": "x" * (MAX_BYTES + 1)}]}
    body = assert_error_then_connection_reused(client, client.post("/v1/chat/completions", json=big), 413)
    assert "max_request_bytes" in body["detail"]


def test_oversized_chunked_body_is_413(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"model": "' + MODEL.encode() + b'", "messages": [{"role": "user", "content": "'
        for _ in range(MAX_BYTES // 1024 + 1):
            yield b"x" * 1024
        yield b'"}]}'

    response = client.post("/v1/chat/completions", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_invalid_utf8_is_400(client: httpx.Client) -> None:
    raw = json.dumps(CHAT).encode().replace(b"hi", b"h\xffi")
    body = assert_error_then_connection_reused(client, post_raw(client, "/v1/chat/completions", raw), 400)
    assert "UTF-8" in body["detail"]


@pytest.mark.parametrize("prompt", ["", [""], []])
def test_empty_prompt_is_400(client: httpx.Client, prompt: object) -> None:
    response = client.post("/v1/completions", json={"model": MODEL, "prompt": prompt})
    body = assert_error_then_connection_reused(client, response, 400)
    assert "body.prompt" in body["detail"]


def test_every_response_carries_a_request_id(client: httpx.Client) -> None:
    ids = {client.get("/v1/health").headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3


# -- the failsafe under uvicorn: an unexpected exception is a 500 that keeps the connection ---


async def boom(request: object) -> PlainTextResponse:
    raise RuntimeError("kaput")


async def fine(request: object) -> PlainTextResponse:
    return PlainTextResponse("ok")


@pytest.fixture(scope="module")
def failing_server() -> Iterator[str]:
    # installed as plugstack's app installs it: a user middleware, inside Starlette's own error layer
    app = Starlette(routes=[Route("/boom", boom), Route("/ok", fine)], middleware=[Middleware(FailsafeMiddleware)])
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_unexpected_exception_is_500_and_the_connection_lives(failing_server: str) -> None:
    with httpx.Client(base_url=failing_server, limits=httpx.Limits(max_connections=1)) as client:
        failed = client.get("/boom")
        assert failed.status_code == 500
        request_id = failed.headers["x-request-id"]
        assert failed.json() == {
            "status": 500,
            "title": "Internal Server Error",
            "detail": f"RuntimeError: kaput (request id {request_id})",
            "instance": "/boom",
        }
        after = client.get("/ok")
        assert after.text == "ok" and local_port(after) == local_port(failed)
