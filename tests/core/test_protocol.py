"""The server's transport wrapper: the writes of one event-loop turn leave in one send."""

import asyncio
from typing import Any

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
