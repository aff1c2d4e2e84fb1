"""A zero-work OpenAI-compatible backend: fixed replies straight from an asyncio protocol.

It costs almost nothing per request, so whatever a gateway in front of it adds shows plainly
(bench/bench_gateway.py), and its replies carry what vLLM's do and clients must get unchanged:
``logprobs: null`` and ``finish_reason: null`` in non-final chunks, extra fields such as
``stop_reason``, a usage chunk when asked, ``[DONE]``. Run it with
``python -m tests.support.zero_backend PORT [DELAY_S] [--fastapi [--gzip]]``: with a delay, every POST
waits that long before its answer (a busy replica, for balancing tests); ``GET /served`` says
how many POSTs this process has taken, and its pid (for a benchmark's CPU accounting).
``--fastapi`` serves the same bytes from FastAPI on uvicorn instead
(tests/support/zero_backend_fastapi.py), the server a vLLM replica runs.
"""

import asyncio
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

MODEL = "zero"
FAILING = "zero-fail"  # answers every request with a 400
CREATED = 1700000000
USAGE = {"prompt_tokens": 12, "total_tokens": 15, "completion_tokens": 3}
PIECES = ("Bl", "ue", ".")
NOT_FOUND = b'{"error":{"message":"not found","code":404}}'
Flavour = Literal["asyncio", "fastapi"]


def _dump(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _chat(model: str) -> bytes:
    message = {"role": "assistant", "content": "".join(PIECES), "refusal": None}
    choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": "stop", "stop_reason": None}
    return _dump(
        {"id": "chatcmpl-zero", "object": "chat.completion", "created": CREATED, "model": model,
         "choices": [choice], "usage": USAGE}
    )  # fmt: skip


def _chat_chunks(model: str, usage: bool) -> Iterator[bytes]:
    head = {"id": "chatcmpl-zero", "object": "chat.completion.chunk", "created": CREATED, "model": model}
    deltas = [{"role": "assistant", "content": ""}, *({"content": piece} for piece in PIECES)]
    for delta in deltas:
        yield _dump({**head, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": None}]})
    final = {"index": 0, "delta": {"content": ""}, "logprobs": None, "finish_reason": "stop", "stop_reason": None}
    yield _dump({**head, "choices": [final]})
    if usage:
        yield _dump({**head, "choices": [], "usage": USAGE})


def _completion(model: str) -> bytes:
    choice = {"index": 0, "text": "".join(PIECES), "logprobs": None, "finish_reason": "length", "stop_reason": None}
    return _dump(
        {"id": "cmpl-zero", "object": "text_completion", "created": CREATED, "model": model,
         "choices": [choice], "usage": USAGE}
    )  # fmt: skip


def _completion_chunks(model: str, usage: bool) -> Iterator[bytes]:
    head = {"id": "cmpl-zero", "object": "text_completion", "created": CREATED, "model": model}
    for index, piece in enumerate(PIECES):
        reason = "length" if index == len(PIECES) - 1 else None
        yield _dump({**head, "choices": [{"index": 0, "text": piece, "logprobs": None, "finish_reason": reason}]})
    if usage:
        yield _dump({**head, "choices": [], "usage": USAGE})


def _embeddings(model: str, count: int) -> bytes:
    data = [{"index": i, "object": "embedding", "embedding": [0.25, -0.5, 1.0e-5]} for i in range(count)]
    return _dump({"id": "embd-zero", "object": "list", "created": CREATED, "model": model, "data": data,
                  "usage": {"prompt_tokens": 2, "total_tokens": 2}})  # fmt: skip


MODELS = _dump(
    {"object": "list", "data": [{"id": name, "object": "model", "created": CREATED, "owned_by": "vllm",
                                 "root": name, "parent": None, "max_model_len": 2048} for name in (MODEL, FAILING)]}
)  # fmt: skip


def _frames(events: Iterator[bytes]) -> list[bytes]:
    return [b"data: " + event + b"\n\n" for event in (*events, b"[DONE]")]


def reply(path: str, request: dict[str, Any]) -> tuple[int, bytes | list[bytes]]:
    """A POST's status and JSON body, or for a stream its SSE frames (``[DONE]`` last), which
    each flavour of the server writes its own way."""
    model = request.get("model", MODEL)
    if "fail" in model:
        return 400, _dump({"error": {"message": f"model {model} refuses", "type": "BadRequest", "code": 400}})
    stream = request.get("stream") is True
    usage = stream and bool((request.get("stream_options") or {}).get("include_usage"))
    if path == "/v1/chat/completions":
        return 200, _frames(_chat_chunks(model, usage)) if stream else _chat(model)
    if path == "/v1/completions":
        return 200, _frames(_completion_chunks(model, usage)) if stream else _completion(model)
    if path == "/v1/embeddings":
        inputs = request.get("input")
        return 200, _embeddings(model, len(inputs) if isinstance(inputs, list) else 1)
    return 404, NOT_FOUND


def _head(status: int, content_type: bytes, length: int | None) -> bytes:
    reason = b"OK" if status == 200 else b"Bad Request" if status == 400 else b"Not Found"
    size = b"transfer-encoding: chunked" if length is None else b"content-length: " + str(length).encode()
    return b"HTTP/1.1 %d %s\r\ncontent-type: %s\r\n%s\r\n\r\n" % (status, reason, content_type, size)


def _json(status: int, body: bytes) -> bytes:
    return _head(status, b"application/json", len(body)) + body


def _sse(frames: list[bytes]) -> bytes:
    chunks = (b"%x\r\n%s\r\n" % (len(frame), frame) for frame in frames)
    return _head(200, b"text/event-stream", None) + b"".join(chunks) + b"0\r\n\r\n"


def served_body(count: int) -> bytes:
    """The ``GET /served`` body."""
    return _dump({"served": count, "pid": os.getpid()})


def answer(method: bytes, path: bytes, body: bytes) -> bytes:
    """The whole HTTP response to one request."""
    if method == b"GET" and path == b"/v1/models":
        return _json(200, MODELS)
    if method != b"POST":
        return _json(404, NOT_FOUND)
    status, content = reply(path.decode(), json.loads(body))
    return _json(status, content) if isinstance(content, bytes) else _sse(content)


class ZeroProtocol(asyncio.Protocol):
    """HTTP/1.1 with keep-alive and Content-Length bodies: all an OpenAI client sends."""

    delay_s = 0.0  # set from the command line: one backend per process
    served = 0

    def __init__(self) -> None:
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head = self.buffer[:end].split(b"\r\n")
            length = 0
            for line in head[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            method, path, _ = head[0].split(b" ", 2)
            assert self.transport is not None
            if method == b"GET" and path == b"/served":
                self.transport.write(_json(200, served_body(ZeroProtocol.served)))
            elif method == b"POST" and self.delay_s:
                ZeroProtocol.served += 1
                asyncio.get_running_loop().call_later(self.delay_s, self._write, answer(method, path, body))
            else:
                ZeroProtocol.served += method == b"POST"
                self.transport.write(answer(method, path, body))

    def _write(self, reply: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(reply)


async def serve(port: int, delay_s: float = 0.0) -> None:
    ZeroProtocol.delay_s = delay_s
    server = await asyncio.get_running_loop().create_server(ZeroProtocol, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


@contextmanager
def zero_backend(
    port: int | None = None, delay_s: float = 0.0, flavour: Flavour = "asyncio", gzip: bool = False
) -> Iterator[str]:
    """Run the backend in a child process until the block ends; yields its OpenAI API root.
    ``gzip`` (FastAPI flavour): compress replies for clients that accept it, as a proxy may."""
    import subprocess
    import time

    import httpx

    from tests.support.server import free_port

    port = port or free_port()
    command = [sys.executable, "-m", "tests.support.zero_backend", str(port), str(delay_s)]
    if flavour == "fastapi":  # uvicorn's access log (on, as vLLM leaves it) goes to stdout
        process = subprocess.Popen([*command, "--fastapi", *(["--gzip"] if gzip else [])], stdout=subprocess.DEVNULL)
    else:
        process = subprocess.Popen(command)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base_url}/models", timeout=1).raise_for_status()
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the zero backend did not start") from None
                time.sleep(0.02)
        yield base_url
    finally:
        process.terminate()
        process.wait(10)


def main(argv: list[str]) -> None:
    fastapi, gzip = "--fastapi" in argv, "--gzip" in argv
    port, *delay = [arg for arg in argv if not arg.startswith("--")]
    delay_s = float(delay[0]) if delay else 0.0
    if fastapi:
        from tests.support.zero_backend_fastapi import run

        run(int(port), delay_s, gzip)
    else:
        asyncio.run(serve(int(port), delay_s))


if __name__ == "__main__":
    main(sys.argv[1:])
