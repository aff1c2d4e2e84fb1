"""The backend hop's HTTP/1.1 client against real sockets: servers in the test that answer with
exactly the bytes a well- or ill-behaved backend would send (asyncio servers, and TLS)."""

import asyncio
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from plugstack.remote.http1 import (
    ConnectError,
    DisconnectedError,
    Http1Client,
    ReadTimeoutError,
    ResponseError,
)
from tests.support.server import free_port

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Backend:
    """A server on 127.0.0.1 that hands each connection to ``handler``, counting them."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connections = 0
        self.open = 0
        self.most_open = 0
        self.closed = asyncio.Event()  # set each time a client closes its end
        self.url = ""

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open += 1
        self.most_open = max(self.most_open, self.open)
        try:
            await self.handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self.open -= 1
            self.closed.set()
            writer.close()


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., Awaitable[Backend]]]:
    servers: list[asyncio.Server] = []

    async def start(handler: Handler, tls: ssl.SSLContext | None = None) -> Backend:
        backend = Backend(handler)
        server = await asyncio.start_server(backend._serve, "127.0.0.1", 0, ssl=tls)
        servers.append(server)
        port = server.sockets[0].getsockname()[1]
        backend.url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
        return backend

    yield start
    for server in servers:
        server.close()


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """(the head, the body) of one request with a content-length."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    return head, await reader.readexactly(length)


def answer(body: bytes, status: str = "200 OK", extra: bytes = b"") -> bytes:
    return f"HTTP/1.1 {status}\r\ncontent-length: {len(body)}\r\n".encode() + extra + b"\r\n" + body


Respond = Callable[[asyncio.StreamWriter, bytes, bytes], Awaitable[None]]  # (writer, head, body)


def each_request(respond: Respond) -> Handler:
    """A keep-alive server: ``respond`` answers every request on the connection in turn."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while not reader.at_eof():
            try:
                head, body = await read_request(reader)
            except asyncio.IncompleteReadError:
                return
            await respond(writer, head, body)
            await writer.drain()

    return handle


def echo_forever(reply: Callable[[bytes, bytes], bytes]) -> Handler:
    async def respond(writer: asyncio.StreamWriter, head: bytes, body: bytes) -> None:
        writer.write(reply(head, body))

    return each_request(respond)


async def test_keep_alive_one_connection_for_many_requests_and_the_request_as_written(serve) -> None:  # type: ignore[no-untyped-def]
    seen: list[tuple[bytes, bytes]] = []

    def reply(head: bytes, body: bytes) -> bytes:
        seen.append((head, body))
        return answer(b'{"ok":true}', extra=b"x-backend: zero\r\n")

    backend = await serve(echo_forever(reply))
    client = Http1Client({"Authorization": "Bearer s3cret"})
    for _ in range(5):
        response = await client.request(
            "POST", f"{backend.url}/v1/chat/completions?a=1", b'{"m":1}', {"Content-Type": "application/json"}
        )
        assert (response.status, await response.read()) == (200, b'{"ok":true}')
        assert response.header(b"x-backend") == b"zero"
    await client.aclose()
    assert backend.connections == 1
    head, body = seen[0]
    lines = head.decode().split("\r\n")
    assert lines[0] == "POST /v1/chat/completions?a=1 HTTP/1.1"
    assert f"host: 127.0.0.1:{backend.url.rsplit(':', 1)[1]}" in lines
    assert "authorization: Bearer s3cret" in lines and "Content-Type: application/json" in lines
    assert "content-length: 7" in lines and body == b'{"m":1}'


async def test_chunked_until_close_and_after_interim_answers(serve) -> None:  # type: ignore[no-untyped-def]
    async def chunked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
        for line in (b"data: one\n\n", b"data: two\n", b"\ndata: [DONE]\n\n"):
            writer.write(f"{len(line):x}\r\n".encode() + line + b"\r\n")
            await writer.drain()
            await asyncio.sleep(0.01)
        writer.write(b"0\r\n\r\n")

    async def until_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.0 200 OK\r\n\r\nall of it, then the connection closes")

    async def after_interim_answers(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n")
        await writer.drain()
        writer.write(answer(b"the real answer", extra=b"x-real: 1\r\n"))

    client = Http1Client({})
    response = await client.request("GET", (await serve(chunked)).url + "/stream")
    assert [line async for line in response.lines()] == [b"data: one\n", b"\n", b"data: two\n", b"\n",
                                                        b"data: [DONE]\n", b"\n"]  # fmt: skip
    response = await client.request("GET", (await serve(until_close)).url + "/")
    assert await response.read() == b"all of it, then the connection closes"
    response = await client.request("GET", (await serve(after_interim_answers)).url + "/")
    assert (response.status, await response.read()) == (200, b"the real answer")
    assert response.headers == [(b"content-length", b"15"), (b"x-real", b"1")]
    await client.aclose()


async def test_failures_below_http_are_told_apart(serve) -> None:  # type: ignore[no-untyped-def]
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)

    async def half_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly part")

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await asyncio.sleep(5)

    async def gibberish(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")

    client = Http1Client({}, read_timeout_s=0.3)
    with pytest.raises(DisconnectedError, match="before answering"):
        await client.request("GET", (await serve(hang_up)).url + "/")
    response = await client.request("GET", (await serve(half_body)).url + "/")
    with pytest.raises(ResponseError, match="mid-response"):
        await response.read()
    with pytest.raises(ReadTimeoutError, match=r"0\.3 s"):
        await client.request("GET", (await serve(silent)).url + "/")
    with pytest.raises(ResponseError, match="not HTTP"):
        await client.request("GET", (await serve(gibberish)).url + "/")
    with pytest.raises(ConnectError, match=r"cannot connect to 127\.0\.0\.1"):
        await client.request("GET", f"http://127.0.0.1:{free_port()}/")
    await client.aclose()


async def test_the_pool_keeps_to_max_connections(serve) -> None:  # type: ignore[no-untyped-def]
    async def slowly(writer: asyncio.StreamWriter, head: bytes, body: bytes) -> None:
        await asyncio.sleep(0.05)
        writer.write(answer(b"done"))

    backend = await serve(each_request(slowly))
    client = Http1Client({}, max_connections=2)

    async def one() -> bytes:
        return await (await client.request("POST", backend.url + "/", b"{}")).read()

    assert await asyncio.gather(*(one() for _ in range(8))) == [b"done"] * 8
    await client.aclose()
    assert backend.most_open == 2 and backend.connections == 2


async def test_a_response_given_up_closes_its_connection_and_big_bodies_are_throttled(serve) -> None:  # type: ignore[no-untyped-def]
    piece = b"x" * 65536

    async def endless(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
        for _ in range(64):  # 4 MiB, more than the client buffers before it pauses the socket
            writer.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()

    backend = await serve(endless)
    client = Http1Client({})
    response = await client.request("GET", backend.url + "/")
    received = 0
    async for chunk in response.chunks():
        received += len(chunk)
        await asyncio.sleep(0.001)  # a slow reader: the client pauses and resumes the socket
    assert received == 64 * len(piece)

    backend.closed.clear()
    response = await client.request("GET", backend.url + "/")
    await anext(aiter(response.chunks()))
    response.close()
    await asyncio.wait_for(backend.closed.wait(), 5)  # the backend learns nobody reads on
    await client.aclose()


async def test_a_cancelled_request_closes_its_connection(serve) -> None:  # type: ignore[no-untyped-def]
    async def never(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await reader.read()  # until the client closes

    backend = await serve(never)
    client = Http1Client({})
    task = asyncio.ensure_future(client.request("GET", backend.url + "/"))
    await asyncio.sleep(0.1)
    task.cancel()
    await asyncio.wait_for(backend.closed.wait(), 5)
    await client.aclose()


async def test_tls_with_a_ca_bundle_and_without_checks(serve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    backend = await serve(echo_forever(lambda head, body: answer(b"secret")), tls=context)
    for verify in (str(cert), False):
        client = Http1Client({}, tls_verify=verify)
        assert await (await client.request("GET", backend.url + "/")).read() == b"secret"
        await client.aclose()
    client = Http1Client({})  # the system's CAs do not know this certificate
    with pytest.raises(ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        await client.request("GET", backend.url + "/")
    await client.aclose()


async def test_a_response_released_before_its_end_hands_its_connection_on(serve) -> None:  # type: ignore[no-untyped-def]
    """A stream's last event read, the chunked end of the body comes in a later packet (uvicorn
    sends it apart): the connection serves the next request once it is in, or closes if it never comes."""
    ends = asyncio.Event()

    async def stream_then_end(writer: asyncio.StreamWriter, head: bytes, body: bytes) -> None:
        event = b"data: [DONE]\n\n"
        writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n%x\r\n%s\r\n" % (len(event), event))
        await writer.drain()
        await ends.wait()
        writer.write(b"0\r\n\r\n")

    backend = await serve(each_request(stream_then_end))
    client = Http1Client({})
    for _ in range(3):
        response = await client.request("POST", backend.url + "/", b"{}")
        assert await anext(aiter(response.lines())) == b"data: [DONE]\n"
        response.release()
        ends.set()
        await asyncio.sleep(0.05)
        ends.clear()
    assert backend.connections == 1

    response = await client.request("POST", backend.url + "/", b"{}")
    await anext(aiter(response.lines()))
    backend.closed.clear()
    response.release(within_s=0.2)  # and the end does not come in time
    await asyncio.sleep(0.4)
    ends.set()
    await asyncio.wait_for(backend.closed.wait(), 5)  # the server's next read finds the connection closed
    await client.aclose()


async def test_a_kept_alive_connection_closed_as_the_request_leaves_is_retried_on_a_new_one(serve) -> None:  # type: ignore[no-untyped-def]
    """The server's idle timeout ran out just as the next request left: it closed without
    reading it. That request goes again on a new connection; one on a new connection does not."""

    async def one_answer_per_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(answer(b"first"))
        await writer.drain()
        await read_request(reader)  # the next one is dropped, the connection closed

    backend = await serve(one_answer_per_connection)
    client = Http1Client({})
    for _ in range(3):
        assert await (await client.request("POST", backend.url + "/", b"{}")).read() == b"first"
    assert backend.connections == 3
    await client.aclose()

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)

    backend = await serve(hang_up)
    client = Http1Client({})
    with pytest.raises(DisconnectedError):
        await client.request("POST", backend.url + "/", b"{}")
    assert backend.connections == 1
    await client.aclose()


async def test_a_connection_idle_too_long_is_not_used_again(serve, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """A firewall may drop an idle connection silently: past IDLE_S a new one is opened."""
    monkeypatch.setattr("plugstack.remote.http1.IDLE_S", 0.2)
    backend = await serve(echo_forever(lambda head, body: answer(b"ok")))
    client = Http1Client({})
    for pause in (0.0, 0.05, 0.4, 0.05):
        await asyncio.sleep(pause)
        assert await (await client.request("GET", backend.url + "/")).read() == b"ok"
    assert backend.connections == 2  # a new one after the long pause only
    await client.aclose()
