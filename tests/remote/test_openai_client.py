"""The shared OpenAI-compatible client: error mapping and retries, against real HTTP exchanges
(httpx's MockTransport answers exactly what a failing backend would)."""

import json

import httpx
import pytest

from plugstack.apis.inference.models import ChatCompletion, ChatCompletionChunk, ChatCompletionRequest
from plugstack.errors import (
    BadRequestError,
    ProviderFailedError,
    ProviderUnavailableError,
    QuotaExceededError,
)
from plugstack.remote.openai_client import OpenAIClient, RemoteEndpointConfig, api_base
from tests.support.server import free_port

REQUEST = ChatCompletionRequest(model="m", messages=[{"role": "user", "content": "hi"}], max_tokens=4)
REPLY = {
    "id": "x", "object": "chat.completion", "created": 1, "model": "m",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "hello"}, "finish_reason": "stop"}],
}  # fmt: skip


def client(handler, **config) -> OpenAIClient:  # type: ignore[no-untyped-def]
    settings = RemoteEndpointConfig(url="http://backend.test", retry_backoff_s=0, **config)
    return OpenAIClient(settings, "test backend", transport=httpx.MockTransport(handler))


def test_api_base_appends_v1_once() -> None:
    assert api_base("http://h:8000") == "http://h:8000/v1"
    assert api_base("http://h:8000/v1/") == "http://h:8000/v1"


async def test_sends_the_request_as_given_with_the_token() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=REPLY)

    reply = await client(handler, api_token="s3cret").post("/chat/completions", REQUEST, ChatCompletion)
    assert reply.choices[0].message.content == "hello"
    assert seen[0].url == "http://backend.test/v1/chat/completions"
    assert seen[0].headers["authorization"] == "Bearer s3cret"
    body = httpx.Response(200, content=seen[0].content).json()
    assert body == {"model": "m", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4}


async def test_retries_5xx_then_succeeds() -> None:
    answers = iter(
        [httpx.Response(502, text="warming up"), httpx.Response(500, text="oops"), httpx.Response(200, json=REPLY)]
    )
    reply = await client(lambda request: next(answers), max_retries=2).post(
        "/chat/completions", REQUEST, ChatCompletion
    )
    assert reply.id == "x"


async def test_5xx_after_retries_is_502_with_the_backend_message() -> None:
    with pytest.raises(ProviderFailedError, match="boom"):
        await client(lambda r: httpx.Response(500, json={"error": {"message": "boom"}}), max_retries=1).post(
            "/chat/completions", REQUEST, ChatCompletion
        )


@pytest.mark.parametrize(
    ("status", "error", "fragment"),
    [
        (400, BadRequestError, "context too long"),
        (422, BadRequestError, "context too long"),
        (401, ProviderFailedError, "credentials"),
        (429, QuotaExceededError, "context too long"),
        (503, ProviderUnavailableError, "context too long"),
    ],
)
async def test_status_mapping(status: int, error: type[Exception], fragment: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"error": {"message": "context too long"}})

    with pytest.raises(error, match=fragment):
        await client(handler, max_retries=0).post("/chat/completions", REQUEST, ChatCompletion)


async def test_unreachable_backend_is_503() -> None:
    settings = RemoteEndpointConfig(url=f"http://127.0.0.1:{free_port()}", max_retries=1, retry_backoff_s=0)
    with pytest.raises(ProviderUnavailableError, match="unreachable"):
        await OpenAIClient(settings, "test backend").post("/chat/completions", REQUEST, ChatCompletion)


async def test_stream_error_event_becomes_an_exception() -> None:
    chunk = json.dumps(
        {"id": "x", "object": "chat.completion.chunk", "created": 1, "model": "m",
         "choices": [{"index": 0, "delta": {"content": "a"}}]}
    )  # fmt: skip
    body = f'data: {chunk}\n\ndata: {{"error": {{"message": "engine died", "code": 500}}}}\n\n'

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})

    chunks = await client(handler).stream("/chat/completions", REQUEST, ChatCompletionChunk)
    first = await anext(chunks)
    assert first.choices[0].delta.content == "a"
    with pytest.raises(ProviderFailedError, match="engine died"):
        await anext(chunks)


async def test_health_reports_an_unreachable_backend() -> None:
    settings = RemoteEndpointConfig(url=f"http://127.0.0.1:{free_port()}")
    health = await OpenAIClient(settings, "test backend").health()
    assert health["status"] == "Error" and "unreachable" in health["message"]
