"""Open MCP sessions kept for reuse, one per (server URI, digest of the credentials sent to it), so
the connect + ``initialize`` handshake is paid once per idle period instead of once per call.

A session is never shared between different credentials: the key holds a digest of the headers.
The SDK's transports are anyio context managers that must be entered and left by one task, so
each session lives in a task of its own (`HeldSession`); callers run their request in their own
task, at most ``max_calls`` at a time per session, and learn of the session's end (server gone,
restarted, refused) while waiting. A reused session that turns out dead is replaced and the
request is retried once; a fresh session's failure is the answer. Sessions idle for longer than
``idle_s`` are closed (``idle_s == 0``: one session per request, closed after it).
"""

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import mcp_types as types
from mcp.client.session import ClientSession
from mcp.shared.exceptions import MCPError

from plugstack_mcp.client import leaves, open_session

T = TypeVar("T")
Operation = Callable[[ClientSession], Awaitable[T]]
log = logging.getLogger(__name__)

CLOSE_TIMEOUT_S = 5.0


class HeldSession:
    """One open session, owned by its own task until ``close`` (or until the transport fails)."""

    def __init__(self, uri: str, headers: dict[str, str], timeout_s: float, max_calls: int) -> None:
        self.calls = 0
        self.last_used = time.monotonic()
        self.error: BaseException | None = None
        self._slots = asyncio.Semaphore(max_calls)
        self._active = 0
        self._stop = asyncio.Event()
        self._ready: asyncio.Future[ClientSession] = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._own(uri, headers, timeout_s), name=f"mcp session {uri}")

    async def _own(self, uri: str, headers: dict[str, str], timeout_s: float) -> None:
        try:
            async with open_session(uri, headers, timeout_s) as session:
                self._ready.set_result(session)
                await self._stop.wait()
        except Exception as exc:  # noqa: BLE001 - kept for the callers, who translate it
            self.error = exc
            if not self._ready.done():
                self._ready.set_exception(exc)

    @property
    def dead(self) -> bool:
        return self._task.done()

    @property
    def idle(self) -> bool:
        return self._active == 0

    async def run(self, operation: Operation[T]) -> T:
        """``operation`` on this session; the session's own failure if it ends meanwhile."""
        async with self._slots:
            self._active += 1
            try:
                session = await asyncio.shield(self._ready)
                self.calls += 1
                call = asyncio.ensure_future(operation(session))
                try:
                    await asyncio.wait({call, self._task}, return_when=asyncio.FIRST_COMPLETED)
                    if call.done():
                        return call.result()
                    raise self.error or ConnectionError("the MCP session closed")
                finally:
                    if not call.done():
                        call.cancel()
                        with contextlib.suppress(BaseException):
                            await call
            finally:
                self._active -= 1
                self.last_used = time.monotonic()

    async def close(self) -> None:
        """End the session (the transport tells the server, e.g. a DELETE for Streamable HTTP)."""
        self._stop.set()
        if not self._ready.done():
            self._task.cancel()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), CLOSE_TIMEOUT_S)
        except (TimeoutError, asyncio.CancelledError):
            self._task.cancel()


def lost(held: HeldSession, exc: BaseException) -> bool:
    """Whether ``exc`` says the session (not the request) is gone: worth a fresh session."""
    if held.dead:  # the transport failed: server unreachable, or it forgot the session (SessionExpired)
        return True
    return any(isinstance(leaf, MCPError) and leaf.error.code == types.CONNECTION_CLOSED for leaf in leaves(exc))


def _key(uri: str, headers: dict[str, str]) -> tuple[str, str]:
    return uri, hashlib.sha256(json.dumps(sorted(headers.items())).encode()).hexdigest()


class SessionPool:
    def __init__(self, timeout_s: float, idle_s: float, max_calls: int, max_sessions: int) -> None:
        self.timeout_s = timeout_s  # the transport's (HTTP) timeout; each request has its own bound too
        self.idle_s = idle_s
        self.max_calls = max_calls
        self.max_sessions = max_sessions
        self._sessions: dict[tuple[str, str], HeldSession] = {}
        self._closing: set[asyncio.Task[None]] = set()

    async def request(self, uri: str, headers: dict[str, str], operation: Operation[T]) -> T:
        """``operation`` on a pooled session with ``uri``; retried once on a fresh session when
        a reused one turns out dead (the server restarted, or went away between calls)."""
        if self.idle_s == 0:
            held = HeldSession(uri, headers, self.timeout_s, self.max_calls)
            try:
                return await held.run(operation)
            finally:
                await held.close()
        key = _key(uri, headers)
        held = self._borrow(key, uri, headers)
        reused = held.calls > 0
        try:
            return await held.run(operation)
        except Exception as exc:
            if not lost(held, exc):
                raise
            self._drop(key, held)
            if not reused:
                raise
            log.info("MCP session with %s was lost; retrying once on a new session", uri)
        return await self._borrow(key, uri, headers).run(operation)

    def _borrow(self, key: tuple[str, str], uri: str, headers: dict[str, str]) -> HeldSession:
        self._sweep()
        held = self._sessions.get(key)
        if held is not None and held.dead:
            self._drop(key, held)
            held = None
        if held is None:
            idle = [k for k, h in self._sessions.items() if h.idle]
            if len(self._sessions) >= self.max_sessions and idle:
                oldest = min(idle, key=lambda k: self._sessions[k].last_used)
                self._drop(oldest, self._sessions[oldest])
            held = self._sessions[key] = HeldSession(uri, headers, self.timeout_s, self.max_calls)
        return held

    def _sweep(self) -> None:
        now = time.monotonic()
        for key, held in list(self._sessions.items()):
            if held.idle and now - held.last_used > self.idle_s:
                self._drop(key, held)

    def _drop(self, key: tuple[str, str], held: HeldSession) -> None:
        """Forget the session and close it in the background (requests never wait for that)."""
        if self._sessions.get(key) is held:
            del self._sessions[key]
        task = asyncio.create_task(held.close())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def close(self) -> None:
        for key, held in list(self._sessions.items()):
            self._drop(key, held)
        await asyncio.gather(*self._closing, return_exceptions=True)
