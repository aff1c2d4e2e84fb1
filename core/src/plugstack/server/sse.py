"""Server-sent events for streamed responses.

Each item is ``data: {json}\\n\\n``; the stream ends with ``data: [DONE]``. A failure
mid-stream cannot change the status code any more, so it becomes a final event carrying the
`Error` body instead, and the stream still ends cleanly. The first item is awaited before
the response starts, so a failure up front is still an ordinary HTTP error.
"""

import logging
from collections.abc import AsyncIterator

from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from plugstack.errors import PlugstackError, ProviderFailedError

log = logging.getLogger(__name__)


def _encode(item: BaseModel) -> bytes:
    return b"data: " + item.model_dump_json(exclude_none=True).encode() + b"\n\n"


async def _events(
    first: BaseModel | None, items: AsyncIterator[BaseModel], path: str, done_sentinel: bool = True
) -> AsyncIterator[bytes]:
    if first is not None:
        yield _encode(first)
    try:
        async for item in items:
            yield _encode(item)
    except Exception as exc:
        error = exc if isinstance(exc, PlugstackError) else ProviderFailedError(f"{type(exc).__name__}: {exc}")
        if not isinstance(exc, PlugstackError):
            log.exception("stream for %s failed", path)
        body = error.body(instance=path).model_dump_json(exclude_none=True)
        yield b'data: {"error": ' + body.encode() + b"}\n\n"
    if done_sentinel:
        yield b"data: [DONE]\n\n"


async def sse_response(items: AsyncIterator[BaseModel], path: str, done_sentinel: bool = True) -> StreamingResponse:
    """``done_sentinel=False`` leaves out ``[DONE]``, for clients that JSON-decode every event."""
    first = await anext(items, None)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    events = _events(first, items, path, done_sentinel)
    return StreamingResponse(events, media_type="text/event-stream", headers=headers)
