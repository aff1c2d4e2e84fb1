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


async def send_error(
    send: Send, scope: Scope, status: int, title: str, detail: str, headers: dict[str, str] | None = None
) -> None:
    """A complete response with the `Error` body."""
    body = json.dumps(
        ErrorBody(status=status, title=title, detail=detail, instance=scope["path"]).model_dump()
    ).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
