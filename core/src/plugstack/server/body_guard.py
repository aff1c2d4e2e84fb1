"""Request bodies are bounded and sound before any route sees them.

A body larger than its limit is refused with 413 while it streams in (on its Content-Length
at once), never buffered whole. A JSON body must be UTF-8, nest no deeper than
``max_json_depth`` and hold no lone surrogate (``"\\ud800"``): Python accepts those, then a
tokenizer, an encoder or a serialiser fails deep inside a provider with a 500. All three
checks are byte scans; the routes still parse the body once. Multipart uploads (files) have
their own, larger limit and are counted as they stream through, not buffered.
"""

import contextlib
import json
import re
from typing import Any

from plugstack.json_bytes import deeper_than
from plugstack.server.asgi import ASGIApp, Message, Receive, Scope, Send, header, is_json, read_body, replay, send_error

_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS"})
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")  # \ud800-\udfff: half of a pair, or alone


class _TooLarge(Exception):
    pass


class BodyGuardMiddleware:
    def __init__(self, app: ASGIApp, max_request_bytes: int, max_upload_bytes: int, max_json_depth: int) -> None:
        self.app = app
        self.max_request_bytes = max_request_bytes
        self.max_upload_bytes = max_upload_bytes
        self.max_json_depth = max_json_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _NO_BODY:
            await self.app(scope, receive, send)
            return
        content_type = header(scope, b"content-type") or b""
        upload = content_type.startswith(b"multipart/")
        limit = self.max_upload_bytes if upload else self.max_request_bytes
        declared = header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send, scope, limit)
            return
        if upload:
            await self._stream_upload(scope, receive, send, limit)
            return
        body = await read_body(receive, limit)
        if body is None:
            await _too_large(send, scope, limit)
            return
        if body and is_json(content_type):
            problem = self._json_problem(body)
            if problem is not None:
                await send_error(send, scope, 400, "Bad Request", problem)
                return
        await self.app(scope, replay(body, receive), send)

    def _json_problem(self, body: bytes) -> str | None:
        if not body.isascii():
            try:
                body.decode()
            except UnicodeDecodeError as exc:
                return f"body: not valid UTF-8 (byte {exc.start})"
        if deeper_than(body, self.max_json_depth):
            return f"body: JSON nested deeper than {self.max_json_depth} levels"
        if _SURROGATE_ESCAPE.search(body):
            return _lone_surrogate(body)
        return None

    async def _stream_upload(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Pass the upload through, counting; past the limit the app's own answer (whatever it
        made of the interrupted body) is replaced by the 413."""
        received = 0
        exceeded = started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                exceeded = True
                raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if not exceeded:
                started = True
                await send(message)

        with contextlib.suppress(_TooLarge):
            await self.app(scope, counting_receive, guarded_send)
        if exceeded and not started:
            await _too_large(send, scope, limit)


async def _too_large(send: Send, scope: Scope, limit: int) -> None:
    detail = f"the request body is larger than this server accepts ({limit} bytes; server.max_request_bytes)"
    if (header(scope, b"content-type") or b"").startswith(b"multipart/"):
        detail = f"the upload is larger than this server accepts ({limit} bytes; server.max_upload_bytes)"
    await send_error(send, scope, 413, "Payload Too Large", detail)


def _lone_surrogate(body: bytes) -> str | None:
    """Where a lone surrogate escape sits (``body.messages[0].content``), if any. Escaped pairs
    (emoji from an ASCII-only encoder) are decoded to one code point and pass."""
    try:
        document = json.loads(body)
    except ValueError:
        return None  # not JSON: the route's validation says so
    found = _find_surrogate(document, "body")
    return None if found is None else f"{found}: lone surrogate in a string (not valid Unicode)"


def _find_surrogate(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        try:
            value.encode()
        except UnicodeEncodeError:
            return path
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _find_surrogate(key, f"{path} (a key)") or _find_surrogate(item, f"{path}.{key}")
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _find_surrogate(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None
