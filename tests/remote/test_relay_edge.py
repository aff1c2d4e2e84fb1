"""The relay routes answered at the server's edge keep what the FastAPI routes did: auth, quota,
the `Error` shape, the OpenAPI document, registrations made by another server on the same
SQLite file, and a client that goes away stopping the backend's generation."""

import asyncio
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.support.server import free_port, run_server
from tests.support.zero_backend import MODEL, zero_backend

CHAT = {"messages": [{"role": "user", "content": "Name a colour."}], "max_tokens": 8}
SLOW_EVENTS = 2000  # 40 s of tokens at 20 ms: a relay that kept reading would still be at it


def relay_yaml(url: str, server: str = "", storage: str = "") -> str:
    return f"""\
version: 1
distribution: relay-edge
apis: [inference]
providers:
  inference:
    - provider_id: vllm
      provider_type: remote::vllm
      config: {{url: {url}, max_retries: 0, discovery_interval_s: 0}}
{server}{storage}"""


@pytest.fixture(scope="module")
def backend_url() -> Iterator[str]:
    with zero_backend() as url:
        yield url


def test_auth_and_quota_guard_the_relay(backend_url: str, tmp_path: Path) -> None:
    guards = "server:\n  auth:\n    api_keys: [s3cret]\n  quota:\n    requests_per_minute: 2\n"
    with run_server(relay_yaml(backend_url, guards), tmp_path) as server:
        url = f"{server.base_url}/v1/chat/completions"
        refused = httpx.post(url, json={"model": MODEL, **CHAT})
        assert refused.status_code == 401 and set(refused.json()) == {"status", "title", "detail", "instance"}
        key = {"Authorization": "Bearer s3cret"}
        statuses = [httpx.post(url, json={"model": MODEL, **CHAT}, headers=key).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]


def test_cors_headers_on_relayed_streams_are_per_response(backend_url: str, tmp_path: Path) -> None:
    cors = "server:\n  cors:\n    allow_origins: [http://app.example]\n"
    with run_server(relay_yaml(backend_url, cors), tmp_path) as server:
        url, body = f"{server.base_url}/v1/chat/completions", {"model": MODEL, **CHAT, "stream": True}
        allowed = httpx.post(url, json=body, headers={"Origin": "http://app.example"})
        assert allowed.headers["access-control-allow-origin"] == "http://app.example"
        assert allowed.headers["content-type"] == "text/event-stream; charset=utf-8"
        plain = httpx.post(url, json=body)
        assert plain.status_code == 200 and "access-control-allow-origin" not in plain.headers


def test_errors_before_the_backend_keep_the_error_shape(backend_url: str, tmp_path: Path) -> None:
    with run_server(relay_yaml(backend_url), tmp_path) as server:
        unknown = httpx.post(f"{server.base_url}/v1/chat/completions", json={"model": "nope", **CHAT})
        assert unknown.status_code == 404
        assert unknown.json()["instance"] == "/v1/chat/completions" and MODEL in unknown.json()["detail"]
        wrong_kind = httpx.post(f"{server.base_url}/v1/embeddings", json={"model": MODEL, "input": "a"})
        assert wrong_kind.status_code == 400 and "not embedding" in wrong_kind.json()["detail"]
        grammar = {"model": MODEL, **CHAT, "response_format": {"type": "grammar", "grammar": 'root ::= "x"'}}
        refused = httpx.post(f"{server.base_url}/v1/chat/completions", json=grammar)
        assert refused.status_code == 400 and "no grammars" in refused.json()["detail"]
        assert "x-request-id" in refused.headers
        document = httpx.get(f"{server.base_url}/openapi.json").json()
        chat = document["paths"]["/v1/chat/completions"]["post"]
        assert chat["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("ChatCompletionRequest")
        assert chat["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/ChatCompletion")


def test_a_model_registered_through_another_server_on_the_same_sqlite_file(backend_url: str, tmp_path: Path) -> None:
    storage = f"storage:\n  backends:\n    default: {{type: sqlite, path: {tmp_path / 'shared.db'}}}\n"
    config = relay_yaml(backend_url, storage=storage)
    with run_server(config, tmp_path / "a") as first, run_server(config, tmp_path / "b") as second:
        chat = {"model": "colours", **CHAT}
        assert httpx.post(f"{second.base_url}/v1/chat/completions", json=chat).status_code == 404
        registration = {"model_id": "colours", "provider_id": "vllm", "provider_model_id": MODEL}
        httpx.post(f"{first.base_url}/v1/models", json=registration).raise_for_status()
        reply = httpx.post(f"{second.base_url}/v1/chat/completions", json=chat)
        assert reply.status_code == 200 and reply.json()["model"] == "colours"
        httpx.delete(f"{second.base_url}/v1/models/colours").raise_for_status()
        assert httpx.post(f"{first.base_url}/v1/chat/completions", json=chat).status_code == 404


@dataclass
class SlowBackend:
    """A real HTTP backend streaming one chat chunk every 20 ms, up to SLOW_EVENTS; it records
    how many it wrote before its client (the relay) closed the connection."""

    url: str = ""
    sent: int = 0
    closed: threading.Event = field(default_factory=threading.Event)


async def _serve_slow(backend: SlowBackend, port: int, ready: threading.Event) -> None:
    models = json.dumps({"object": "list", "data": [{"id": "slow", "object": "model"}]}).encode()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next((int(line.split(b":")[1]) for line in head.lower().split(b"\r\n")
                           if line.startswith(b"content-length:")), 0)  # fmt: skip
            await reader.readexactly(length)
            if head.startswith(b"GET"):
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
                             % (len(models), models))  # fmt: skip
                continue
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
            try:
                for index in range(SLOW_EVENTS):
                    choice = {"index": 0, "delta": {"content": f"{index} "}, "finish_reason": None}
                    chunk = {"id": "slow", "object": "chat.completion.chunk", "model": "slow", "choices": [choice]}
                    frame = b"data: " + json.dumps(chunk).encode() + b"\n\n"
                    writer.write(b"%x\r\n%s\r\n" % (len(frame), frame))
                    await writer.drain()
                    backend.sent = index + 1
                    await asyncio.sleep(0.02)
                    if reader.at_eof():
                        break
            except ConnectionError:
                pass
            backend.closed.set()
            writer.close()
            return

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    ready.set()
    async with server:
        await server.serve_forever()


@pytest.fixture
def slow_backend() -> Iterator[SlowBackend]:
    port, ready = free_port(), threading.Event()
    backend = SlowBackend(url=f"http://127.0.0.1:{port}/v1")
    thread = threading.Thread(target=asyncio.run, args=(_serve_slow(backend, port, ready),), daemon=True)
    thread.start()
    assert ready.wait(30)
    yield backend


def test_a_client_that_goes_away_stops_the_backends_stream(slow_backend: SlowBackend, tmp_path: Path) -> None:
    with run_server(relay_yaml(slow_backend.url), tmp_path) as server:
        body = {"model": "slow", **CHAT, "stream": True}
        with httpx.stream("POST", f"{server.base_url}/v1/chat/completions", json=body, timeout=60) as response:
            events = (line for line in response.iter_lines() if line.startswith("data: "))
            assert json.loads(next(events)[6:])["choices"][0]["delta"]["content"] == "0 "
            next(events)
        # the relay notices at its next event and closes the backend's stream, long before its end
        assert slow_backend.closed.wait(30)
        assert slow_backend.sent < SLOW_EVENTS
