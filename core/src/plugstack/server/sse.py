"""Server-sent events for streamed responses.

Each item is ``data: {json}\\n\\n``; the stream ends with ``data: [DONE]``. A failure
mid-stream cannot change the status code any more, so it becomes a final event carrying the
`Error` body instead, and the stream still ends cleanly. The first item is awaited before
the response starts, so a failure up front is still an ordinary HTTP error. Items are models
(serialised here) or, relayed from a backend, JSON payloads already (sent as they are).

Relayed streams skip the response object: `send_relayed_sse` writes raw ASGI messages, which
saves the task group a StreamingResponse runs per stream to watch for a disconnect.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from typing import TypeVar

from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from plugstack.errors import PlugstackError, ProviderFailedError
from plugstack.server.asgi import Receive, Send

log = logging.getLogger(__name__)

Item = TypeVar("Item")
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
# What a StreamingResponse with HEADERS sends, prepared once.
_RAW_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    *((name.lower().encode(), value.encode()) for name, value in HEADERS.items()),
]
_DONE = b"data: [DONE]\n\n"


def _model_payload(item: BaseModel) -> bytes:
    return item.model_dump_json(exclude_none=True).encode()


def _as_is(payload: bytes) -> bytes:
    return payload


async def _events(
    first: Item | None,
    items: AsyncIterator[Item],
    payload: Callable[[Item], bytes],
    path: str,
    done_sentinel: bool,
) -> AsyncIterator[bytes]:
    async with aclosing(items):  # type: ignore[type-var]
        if first is not None:
            yield b"data: " + payload(first) + b"\n\n"
        try:
            async for item in items:
                yield b"data: " + payload(item) + b"\n\n"
        except Exception as exc:
            error = exc if isinstance(exc, PlugstackError) else ProviderFailedError(f"{type(exc).__name__}: {exc}")
            if not isinstance(exc, PlugstackError):
                log.exception("stream for %s failed", path)
            body = error.body(instance=path).model_dump_json(exclude_none=True)
            yield b'data: {"error": ' + body.encode() + b"}\n\n"
    if done_sentinel:
        yield _DONE


async def _response(
    items: AsyncIterator[Item], payload: Callable[[Item], bytes], path: str, done_sentinel: bool
) -> StreamingResponse:
    first = await anext(items, None)
    events = _events(first, items, payload, path, done_sentinel)
    return StreamingResponse(events, media_type="text/event-stream", headers=HEADERS)


async def sse_response(items: AsyncIterator[BaseModel], path: str, done_sentinel: bool = True) -> StreamingResponse:
    """``done_sentinel=False`` leaves out ``[DONE]``, for clients that JSON-decode every event."""
    return await _response(items, _model_payload, path, done_sentinel)


async def send_relayed_sse(
    send: Send, receive: Receive, payloads: AsyncIterator[bytes], path: str, done_sentinel: bool = True
) -> None:
    """A backend's event payloads, relayed byte for byte as raw ASGI messages. A client that
    went away is noticed at the next event (the server drops writes to a closed connection
    silently, so a watch on ``receive`` tells), and the backend's stream is closed then.
    ``[DONE]``, always last, ends the body in the same message: one write for both."""
    first = await anext(payloads, None)
    events = _events(first, payloads, _as_is, path, done_sentinel)
    gone = asyncio.ensure_future(receive())  # the body was read: only a disconnect can arrive
    try:
        # a fresh list: middleware such as CORS add their headers to it in place
        await send({"type": "http.response.start", "status": 200, "headers": list(_RAW_HEADERS)})
        ended = False
        async with aclosing(events):
            async for event in events:
                if gone.done():
                    break
                ended = event is _DONE
                await send({"type": "http.response.body", "body": event, "more_body": not ended})
        if not ended:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
    finally:
        gone.cancel()


async def relayed_sse_response(
    payloads: AsyncIterator[bytes], path: str, done_sentinel: bool = True
) -> StreamingResponse:
    """A backend's event payloads, relayed byte for byte."""
    return await _response(payloads, _as_is, path, done_sentinel)
