"""Request ids, and the last line of defence: an unexpected exception becomes a 500 `Error`.

Every response carries ``x-request-id``; an exception nothing else handled is logged with that
id and answered with a 500 in the `Error` shape. It is not re-raised: uvicorn closes the
connection on an exception that escapes the app, which broke the client's next keep-alive
request too. Only when the response had already started (nothing can be said any more) does
the exception go on, so the server cuts the half-sent response off.
"""

import itertools
import logging
import os

from plugstack.server.asgi import ASGIApp, Message, Receive, Scope, Send, send_error

log = logging.getLogger(__name__)

REQUEST_ID_HEADER = b"x-request-id"


class FailsafeMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # Unique across restarts and servers without a random draw per request.
        self._prefix = os.urandom(4).hex()
        self._counter = itertools.count(1)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = f"{self._prefix}-{next(self._counter)}"
        encoded = request_id.encode()
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", ()), (REQUEST_ID_HEADER, encoded)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            log.exception("request %s: unhandled error on %s %s", request_id, scope["method"], scope["path"])
            if started:
                raise
            detail = f"{type(exc).__name__}: {exc} (request id {request_id})"
            await send_error(send_with_id, scope, 500, "Internal Server Error", detail)
