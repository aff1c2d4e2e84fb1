"""uvicorn's httptools protocol, with the writes of one event-loop turn sent together.

uvicorn writes a response's status line and headers, then each body part, with separate
``transport.write`` calls: two ``send(2)`` calls for a one-part reply, and often two wake-ups
of the client. Here the writes made within one turn of the event loop are joined and sent at
its end, so a reply whose start and body are sent back to back (every JSON answer, relayed
ones included) leaves in one send. Streams are not held back: an event is written in the turn
it arrives in, and so flushed at the end of that turn. ``bench/bench_gateway.py`` measures it.
The access log lines are written in batches too (`plugstack.server.access_log`).
"""

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from plugstack.server.access_log import batched


class TurnCoalescingTransport:
    """A transport whose writes are joined until the end of the current event-loop turn."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._pending:
            self._loop.call_soon(self._flush)
        self._pending.append(bytes(data))

    def writelines(self, chunks: Any) -> None:
        for chunk in chunks:
            self.write(chunk)

    def _flush(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        if not self._transport.is_closing():
            self._transport.writelines(pending)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(map(len, self._pending))

    def write_eof(self) -> None:
        self._flush()
        self._transport.write_eof()

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def abort(self) -> None:
        self._pending = []
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.access_log:
            self.access_logger = batched(self.access_logger)  # type: ignore[assignment]

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(TurnCoalescingTransport(transport, self.loop))  # type: ignore[arg-type]


def http_protocol(setting: str) -> str | type[asyncio.Protocol]:
    """uvicorn's ``http`` for run.yaml's ``server.http``: ``auto`` and ``httptools`` coalesce
    (httptools is installed with plugstack), ``h11`` is uvicorn's own."""
    return setting if setting == "h11" else CoalescingHttpToolsProtocol
