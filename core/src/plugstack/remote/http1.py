"""A keep-alive HTTP/1.1 client for the hop to a backend, on asyncio protocols and httptools.

Every relayed request pays this hop, and on a shared box the gateway's CPU is taken from the
engine behind it. To an OpenAI-compatible server the hop is one POST with a JSON body and a
JSON or server-sent-events answer; aiohttp spent about a third of the gateway's CPU on it
(request and response objects, header multidicts, the payload registry, tracing hooks). This
client writes each request in one send and parses the answer with the C parser uvicorn uses,
and no more: no cookies, no redirects, no proxies, no decompression (callers ask for identity,
so the backend's bytes are relayed as they came).

A connection serves one request at a time and returns to its origin's pool once its response
has fully arrived, whether or not the caller has read it yet; a response closed early closes
its connection, which is how a backend learns that nobody waits for the rest of a generation.
"""

import asyncio
import contextlib
import socket
import ssl
from collections import deque
from collections.abc import AsyncIterator, Mapping
from typing import NamedTuple
from urllib.parse import urlsplit

import httptools

from plugstack import __version__

_USER_AGENT = f"plugstack/{__version__}"
_PAUSE_AT = 256 * 1024  # bytes buffered unread before the backend is asked to wait
# Seconds a connection may sit idle and still be used: past that, a firewall or NAT between may
# have dropped it without a word, and a request written into it would wait for its read timeout.
IDLE_S = 15.0


class HttpError(Exception):
    """The exchange failed below HTTP: there is no status to judge it by."""


class ConnectError(HttpError):
    """No connection could be opened (refused, unresolvable, timed out): nothing was sent."""


class DisconnectedError(HttpError):
    """The server closed the connection before its response began."""


class ReadTimeoutError(HttpError, TimeoutError):
    """The server sent nothing for longer than the read timeout."""


class ResponseError(HttpError):
    """The response broke off or was not HTTP."""


class Origin(NamedTuple):
    host: str
    port: int
    tls: bool


class _Target(NamedTuple):
    origin: Origin
    path: bytes  # the request target: path and query
    host_header: bytes


def _target(url: str) -> _Target:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    tls = parts.scheme == "https"
    port = parts.port or (443 if tls else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    netloc = host if port == (443 if tls else 80) else f"{host}:{port}"
    return _Target(Origin(parts.hostname, port, tls), path.encode(), netloc.encode())


def tls_context(verify: bool | str) -> ssl.SSLContext:
    """Certificates checked (``True``), checked against a CA bundle (a path), or not (``False``)."""
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    return ssl.create_default_context(cafile=verify if isinstance(verify, str) else None)


class Response:
    """A response whose head has arrived; its body arrives behind it, to be read or iterated."""

    __slots__ = (
        "__weakref__", "_buffered", "_chunks", "_complete", "_connection", "_discarding", "_error", "_waiter",
        "headers", "status",
    )  # fmt: skip

    def __init__(self, connection: "_Connection") -> None:
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []  # names in lower case
        self._connection: _Connection | None = connection
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._waiter: asyncio.Future[None] | None = None
        self._complete = False
        self._discarding = False
        self._error: BaseException | None = None

    def header(self, name: bytes) -> bytes | None:
        """The first value of header ``name`` (lower case)."""
        for key, value in self.headers:
            if key == name:
                return value
        return None

    async def read(self) -> bytes:
        """The whole body."""
        try:
            while not self._complete:
                await self._more()
        except BaseException:
            self.close()
            raise
        chunks = self._chunks
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        chunks.clear()
        return body

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives."""
        chunks = self._chunks
        while True:
            while chunks:
                chunk = chunks.popleft()
                self._consumed(len(chunk))
                yield chunk
            if self._complete:
                return
            await self._more()

    async def lines(self) -> AsyncIterator[bytes]:
        """The body as it arrives, a line at a time (with its ``\\n``; the last maybe without)."""
        rest = b""
        async for chunk in self.chunks():
            if rest:
                chunk = rest + chunk
            start = 0
            end = chunk.find(b"\n")
            while end >= 0:
                yield chunk[start : end + 1]
                start = end + 1
                end = chunk.find(b"\n", start)
            rest = chunk[start:]
        if rest:
            yield rest

    def release(self, within_s: float = 1.0) -> None:
        """Done reading, though the body may not have ended (a stream's last event is in, the
        chunked end of the body not yet): what else arrives is dropped, and the connection then
        serves the next request. If the body has not ended within ``within_s``, it is closed."""
        connection = self._connection
        if connection is None or self._complete:
            return
        self._discarding = True
        self._chunks.clear()
        self._buffered = 0
        connection.resume()
        connection.loop.call_later(within_s, self.close)

    def close(self) -> None:
        """Give the response up: unless it arrived whole, its connection is closed."""
        connection, self._connection = self._connection, None
        if connection is not None and not self._complete:
            connection.abort()

    # -- fed by the connection ------------------------------------------------------------

    async def _more(self) -> None:
        """Wait for the next bytes, the end, or a failure."""
        if self._error is not None:
            raise self._error
        connection = self._connection
        if connection is None:
            raise ResponseError("the response was closed")
        waiter = self._waiter = connection.loop.create_future()
        timer = connection.loop.call_later(connection.read_timeout_s, _time_out, waiter, connection.read_timeout_s)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _feed(self, chunk: bytes) -> None:
        if self._discarding:
            return
        self._chunks.append(chunk)
        self._buffered += len(chunk)
        if self._buffered > _PAUSE_AT and self._connection is not None:
            self._connection.pause()
        self._wake()

    def _consumed(self, size: int) -> None:
        self._buffered -= size
        if self._buffered <= _PAUSE_AT // 4 and self._connection is not None:
            self._connection.resume()

    def _finish(self) -> None:
        self._complete = True
        self._connection = None
        self._wake()

    def _fail(self, error: BaseException) -> None:
        self._error = error
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)


def _time_out(waiter: asyncio.Future[None], seconds: float) -> None:
    if not waiter.done():
        waiter.set_exception(ReadTimeoutError(f"no answer within {seconds:g} s"))


class _Connection(asyncio.Protocol):
    """One connection, parsing whatever arrives into the response of the request in flight."""

    def __init__(self, pool: "Http1Client", origin: Origin, read_timeout_s: float) -> None:
        self.pool = pool
        self.origin = origin
        self.loop = asyncio.get_running_loop()
        self.read_timeout_s = read_timeout_s
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.response: Response | None = None
        self.head: asyncio.Future[Response] | None = None
        self.closed = False
        self.paused = False
        self.requests = 0  # sent on it so far
        self.idle_since = 0.0  # loop time it went back to the pool
        self.until_close = True  # a body without length nor chunks ends when the connection does
        self.interim = False  # the message being parsed is a 1xx answer

    # -- sending ----------------------------------------------------------------------------

    def send(self, raw: bytes) -> asyncio.Future[Response]:
        assert self.transport is not None
        self.requests += 1
        self.response = Response(self)
        self.head = self.loop.create_future()
        self.until_close = True
        self.transport.write(raw)
        return self.head

    def abort(self) -> None:
        if not self.closed:
            self.closed = True
            self.pool._forget(self)
            if self.transport is not None:
                self.transport.abort()

    def pause(self) -> None:
        if not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()

    def resume(self) -> None:
        if self.paused and self.transport is not None and not self.closed:
            self.paused = False
            self.transport.resume_reading()

    # -- asyncio.Protocol -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError, AttributeError):  # a pipe, or uvloop's socket stand-in
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(ResponseError(f"the server's answer is not HTTP/1.1: {exc}"))
            self.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed:
            self.closed = True
            self.pool._forget(self)
        response = self.response
        if response is None:
            return
        if self.head is not None and not self.head.done():
            reason = f": {exc}" if exc else ""
            self._fail(DisconnectedError(f"the server closed the connection before answering{reason}"))
        elif self.until_close and exc is None:
            self.on_message_complete()
        else:
            self._fail(ResponseError(f"the connection closed mid-response{f': {exc}' if exc else ''}"))

    # -- httptools callbacks ----------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        name = name.lower()
        if name in (b"content-length", b"transfer-encoding"):
            self.until_close = False
        if self.response is not None:
            self.response.headers.append((name, value))

    def on_headers_complete(self) -> None:
        response = self.response
        if response is None:
            return
        response.status = status = self.parser.get_status_code()
        if status < 200:  # an interim answer (100 Continue, 103 Early Hints): the real one follows
            self.interim = True
            response.headers.clear()
        elif self.head is not None and not self.head.done():
            self.head.set_result(response)

    def on_body(self, body: bytes) -> None:
        if self.response is not None:
            self.response._feed(body)

    def on_message_complete(self) -> None:
        if self.interim:
            self.interim = False
            return
        response, self.response = self.response, None
        if response is None:
            return
        if self.paused:
            self.resume()
        response._finish()
        self.pool._release(self, self.parser.should_keep_alive())

    def _fail(self, error: BaseException) -> None:
        response, self.response = self.response, None
        if self.head is not None and not self.head.done():
            self.head.set_exception(error)
        if response is not None:
            response._fail(error)


class Http1Client:
    """Pooled keep-alive connections to any number of origins, ``max_connections`` open at most.

    ``headers`` go with every request (credentials, ``Accept-Encoding``). Connecting may take
    ``connect_timeout_s``; after that, the server may stay silent ``read_timeout_s`` at a time.
    ``tls_verify``: check certificates (``True``), against a CA bundle (a path), or not.
    """

    def __init__(
        self,
        headers: Mapping[str, str],
        *,
        max_connections: int = 100,
        connect_timeout_s: float = 5.0,
        read_timeout_s: float = 300.0,
        tls_verify: bool | str = True,
    ) -> None:
        common = {"user-agent": _USER_AGENT, **{name.lower(): value for name, value in headers.items()}}
        self._headers = "".join(f"{name}: {value}\r\n" for name, value in common.items()).encode("latin-1")
        self._max = max_connections
        self._connect_timeout_s = connect_timeout_s
        self._read_timeout_s = read_timeout_s
        self._tls_verify = tls_verify
        self._tls: ssl.SSLContext | None = None  # made on the first https connection (loading CAs takes a while)
        self._targets: dict[str, _Target] = {}
        self._idle: dict[Origin, list[_Connection]] = {}
        self._open = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._closed = False

    async def request(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout_s: float | None = None,
    ) -> Response:
        """Send a request; the response once its head has arrived (its body follows).

        ``timeout_s`` shortens both timeouts for this request (a probe, a health check)."""
        target = self._targets.get(url)
        if target is None:
            target = self._targets[url] = _target(url)
        head = [method.encode(), b" ", target.path, b" HTTP/1.1\r\nhost: ", target.host_header, b"\r\n", self._headers]
        if headers:
            head.append("".join(f"{name}: {value}\r\n" for name, value in headers.items()).encode("latin-1"))
        if body is not None:
            head += (b"content-length: ", str(len(body)).encode(), b"\r\n\r\n", body)
        else:
            head.append(b"\r\n")
        raw = b"".join(head)
        read_timeout_s = min(timeout_s, self._read_timeout_s) if timeout_s else self._read_timeout_s
        connection = await self._connection(target.origin, timeout_s)
        reused = connection.requests > 0
        try:
            return await self._exchange(connection, raw, read_timeout_s)
        except DisconnectedError:
            if not reused:
                raise
        # A kept-alive connection that its server closed as the request left (its idle timeout
        # ran out): the request was not read. Once more, on a new connection.
        connection = await self._connection(target.origin, timeout_s, reuse=False)
        return await self._exchange(connection, raw, read_timeout_s)

    async def _exchange(self, connection: _Connection, raw: bytes, read_timeout_s: float) -> Response:
        connection.read_timeout_s = read_timeout_s
        pending = connection.send(raw)
        timer = connection.loop.call_later(read_timeout_s, _time_out, pending, read_timeout_s)
        try:
            return await pending
        except BaseException:
            connection.abort()
            raise
        finally:
            timer.cancel()

    async def aclose(self) -> None:
        self._closed = True
        for idle in self._idle.values():
            for connection in idle:
                connection.abort()
        self._idle.clear()

    # -- the pool ---------------------------------------------------------------------------

    async def _connection(self, origin: Origin, timeout_s: float | None, reuse: bool = True) -> _Connection:
        if self._closed:
            raise ConnectError("the client is closed")
        while True:
            idle = self._idle.get(origin) if reuse else None
            while idle:
                connection = idle.pop()
                if not connection.closed:
                    if connection.loop.time() - connection.idle_since <= IDLE_S:
                        return connection
                    connection.abort()
            if self._open < self._max:
                break
            if not self._close_an_idle_connection():
                waiter = asyncio.get_running_loop().create_future()
                self._waiters.append(waiter)
                try:
                    await waiter
                except BaseException:
                    if waiter in self._waiters:
                        self._waiters.remove(waiter)
                    elif waiter.done() and not waiter.cancelled():
                        self._wake_one()  # woken, but going away: the next one in line may go
                    raise
        self._open += 1
        try:
            return await self._connect(origin, min(timeout_s or self._connect_timeout_s, self._connect_timeout_s))
        except BaseException:
            self._open -= 1
            self._wake_one()
            raise

    async def _connect(self, origin: Origin, timeout_s: float) -> _Connection:
        loop = asyncio.get_running_loop()
        tls = None
        if origin.tls:
            tls = self._tls = self._tls or tls_context(self._tls_verify)
        where = f"{origin.host}:{origin.port}"
        try:
            async with asyncio.timeout(timeout_s):
                _, connection = await loop.create_connection(
                    lambda: _Connection(self, origin, self._read_timeout_s),
                    origin.host,
                    origin.port,
                    ssl=tls,
                    server_hostname=origin.host if tls else None,
                )
        except TimeoutError:
            raise ConnectError(f"cannot connect to {where}: no connection within {timeout_s:g} s") from None
        except OSError as exc:
            raise ConnectError(f"cannot connect to {where}: {exc.strerror or exc}") from exc
        return connection

    def _release(self, connection: _Connection, keep_alive: bool) -> None:
        """A response arrived whole: its connection serves the next request, or closes."""
        if keep_alive and not connection.closed and not self._closed:
            idle = self._idle.setdefault(connection.origin, [])
            connection.idle_since = now = connection.loop.time()
            if idle and now - idle[0].idle_since > IDLE_S:
                idle[0].abort()  # the longest idle, unused since the last burst
            idle.append(connection)
            self._wake_one()
        else:
            connection.abort()

    def _forget(self, connection: _Connection) -> None:
        """A connection closed (each one is forgotten once)."""
        self._open -= 1
        idle = self._idle.get(connection.origin)
        if idle and connection in idle:
            idle.remove(connection)
        self._wake_one()

    def _wake_one(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def _close_an_idle_connection(self) -> bool:
        """At the limit, an idle connection to another origin makes room for a new one."""
        for idle in self._idle.values():
            if idle:
                idle.pop(0).abort()
                return True
        return False
