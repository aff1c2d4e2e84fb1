"""The server's transport wrapper (the writes of one event-loop turn leave in one send) and its
batched access log."""

import asyncio
import io
import logging
from typing import Any

from uvicorn.config import LOGGING_CONFIG
from uvicorn.logging import AccessFormatter

from plugstack.server.access_log import FLUSH_S, BatchedAccessLog, batched
from plugstack.server.protocol import CoalescingHttpToolsProtocol, TurnCoalescingTransport, http_protocol


class RecordingTransport(asyncio.Transport):
    """The socket side: what reaches it, send by send."""

    def __init__(self) -> None:
        super().__init__()
        self.sends: list[bytes] = []
        self.closed = False
        self.aborted = False

    def writelines(self, chunks: Any) -> None:
        self.sends.append(b"".join(chunks))

    def is_closing(self) -> bool:
        return self.closed or self.aborted

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 5)}.get(name, default)


async def test_writes_of_one_turn_are_one_send_and_each_turn_its_own() -> None:
    socket = RecordingTransport()
    transport = TurnCoalescingTransport(socket, asyncio.get_running_loop())
    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    transport.write(b"body")
    assert socket.sends == [] and transport.get_write_buffer_size() == 23
    await asyncio.sleep(0)
    assert socket.sends == [b"HTTP/1.1 200 OK\r\n\r\nbody"]
    transport.write(b"data: 1\n\n")
    await asyncio.sleep(0)
    transport.write(b"data: 2\n\n")
    await asyncio.sleep(0)
    assert socket.sends[1:] == [b"data: 1\n\n", b"data: 2\n\n"]  # a stream's events are not held back
    assert transport.get_extra_info("peername") == ("127.0.0.1", 5)


async def test_close_sends_what_is_pending_and_abort_drops_it() -> None:
    socket = RecordingTransport()
    transport = TurnCoalescingTransport(socket, asyncio.get_running_loop())
    transport.write(b"last words")
    transport.close()
    assert socket.sends == [b"last words"] and socket.closed
    await asyncio.sleep(0)
    assert socket.sends == [b"last words"]  # the scheduled flush finds nothing

    socket = RecordingTransport()
    transport = TurnCoalescingTransport(socket, asyncio.get_running_loop())
    transport.write(b"never")
    transport.abort()
    await asyncio.sleep(0)
    assert socket.sends == [] and socket.aborted


def test_h11_is_left_as_uvicorn_has_it() -> None:
    assert http_protocol("h11") == "h11"
    assert http_protocol("auto") is CoalescingHttpToolsProtocol
    assert http_protocol("httptools") is CoalescingHttpToolsProtocol


def access_logger(name: str, use_colors: bool = False) -> tuple[logging.Logger, io.StringIO]:
    """A logger set up as uvicorn sets up ``uvicorn.access``, writing to a string."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(AccessFormatter(LOGGING_CONFIG["formatters"]["access"]["fmt"], use_colors=use_colors))
    logger = logging.getLogger(name)
    logger.handlers, logger.propagate = [handler], False
    logger.setLevel(logging.INFO)
    return logger, stream


async def test_access_lines_are_uvicorns_written_in_batches() -> None:
    uvicorns, expected = access_logger("test.access.uvicorn")
    ours, written = access_logger("test.access.batched")
    batched_log = batched(ours)
    assert isinstance(batched_log, BatchedAccessLog)
    for status in (200, 404, 599):
        for logger in (uvicorns, batched_log):
            logger.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "POST", "/v1/chat/completions?x=1", "1.1", status)
    assert written.getvalue() == ""  # not yet: the lines of the next FLUSH_S leave together
    await asyncio.sleep(FLUSH_S * 2)
    assert written.getvalue() == expected.getvalue() and expected.getvalue().count("\n") == 3


def test_access_logs_set_up_otherwise_stay_uvicorns() -> None:
    coloured, _ = access_logger("test.access.coloured", use_colors=True)
    filtered, _ = access_logger("test.access.filtered")
    filtered.addFilter(logging.Filter("nothing"))
    quiet, _ = access_logger("test.access.quiet")
    quiet.setLevel(logging.WARNING)
    for logger in (coloured, filtered, quiet):
        assert batched(logger) is logger
