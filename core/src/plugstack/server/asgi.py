"""The ASGI vocabulary shared by the server's middleware, and the one way they answer an error.

The middleware are plain ASGI callables (not Starlette's BaseHTTPMiddleware, which costs a
task and a memory stream per request), each installed only when its setting is on.
"""

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from plugstack.errors import ErrorBody

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def header(scope: Scope, name: bytes) -> bytes | None:
    """The first value of request header ``name`` (lower case)."""
    for key, value in scope["headers"]:
        if key == name:
            return value
    return None


def is_json(content_type: bytes | None) -> bool:
    """Whether a body is JSON to FastAPI: a JSON media type, or no content type at all."""
    media = (content_type or b"").split(b";", 1)[0].strip().lower()
    return not media or media == b"application/json" or media.endswith(b"+json")


async def send_error(
    send: Send, scope: Scope, status: int, title: str, detail: str, headers: dict[str, str] | None = None
) -> None:
    """A complete response with the `Error` body."""
    await send_error_body(send, ErrorBody(status=status, title=title, detail=detail, instance=scope["path"]), headers)


async def send_error_body(send: Send, error: ErrorBody, headers: dict[str, str] | None = None) -> None:
    """``error`` as a complete response, as the app's exception handlers would answer it."""
    body = json.dumps(error.model_dump(exclude_none=True)).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": error.status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def read_body(receive: Receive, limit: int | None = None) -> bytes | None:
    """The whole request body, or None as soon as it passes ``limit``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """``receive`` that hands out ``body`` first, then passes on (a disconnect, for streams)."""
    pending = True

    async def replayed() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
