"""Several replicas of one OpenAI-compatible backend behind one remote provider.

A remote adapter names its backend with ``url`` or, for replicas serving the same models,
``urls``. The shared client asks ``Balancer.pick`` for a replica on every request: the one
with the fewest requests outstanding (a stream counts until it ends), ties in turn. A replica
that cannot be connected to is left out for ``backend_retry_s`` (doubling while it stays down)
and the request goes to another at once, since nothing reached the dead one. Once its time is
up a background probe of its ``/models`` brings it back; when every replica is down, the
replica due for a retry takes the request itself, and with none due the answer is a 503.
With one URL, ``pick`` hands back the only backend and nothing is counted or probed.
"""

import asyncio
import logging
import time
import weakref
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from plugstack.errors import ProviderUnavailableError
from plugstack.remote.config import MAX_RETRY_S
from plugstack.remote.http1 import ConnectError, Http1Client, HttpError, Response

log = logging.getLogger(__name__)

# Failures that mean the replica is not there (refused, unresolvable, no connection in time):
# the request never reached it, so another replica may take it at once.
_DOWN = ConnectError


@dataclass(slots=True, eq=False)
class Backend:
    """One replica and what the balancer knows of it."""

    base_url: str
    outstanding: int = 0
    failures: int = 0  # consecutive failed connections
    down_since: float | None = None  # wall-clock time, for people
    retry_at: float = 0.0  # monotonic time after which it is probed again
    error: str = ""

    @property
    def up(self) -> bool:
        return self.down_since is None

    def describe(self, now: float) -> str:
        if self.up:
            return f"{self.base_url} up, {self.outstanding} in flight"
        since = time.strftime("%H:%M:%S", time.gmtime(self.down_since))
        wait = max(0.0, self.retry_at - now)
        return f"{self.base_url} down since {since} UTC ({self.error}); next check in {wait:.1f} s"


class Balancer:
    """Least-outstanding-requests choice among replicas, with dead ones left out and probed back.

    ``http`` is the client's own (so probes carry its credentials and TLS settings).
    """

    def __init__(
        self,
        urls: list[str],
        name: str,
        http: Http1Client,
        retry_s: float = 5.0,
        probe_timeout_s: float = 5.0,
    ) -> None:
        self.backends = [Backend(url) for url in urls]
        self.name = name
        self._only = self.backends[0] if len(self.backends) == 1 else None
        self._http = http
        self._retry_s = retry_s
        self._probe_timeout_s = probe_timeout_s
        self._turn = 0
        # id(response) -> (a weak reference that ends the lease should the response be dropped, its replica)
        self._leases: dict[int, tuple[weakref.ref[Response], Backend]] = {}
        self._probes: dict[Backend, asyncio.Task[str]] = {}

    @property
    def several(self) -> bool:
        return self._only is None

    # -- choosing -------------------------------------------------------------------------

    def pick(self) -> Backend:
        """The replica for the next request (counted as outstanding until its lease ends).

        One pass, starting one place further on each time, so that among replicas level on
        requests in flight the first one met (taking turns) wins."""
        if self._only is not None:
            return self._only
        backends = self.backends
        count = len(backends)
        self._turn = start = (self._turn + 1) % count
        chosen: Backend | None = None
        due: Backend | None = None  # a down replica whose time is up
        now = 0.0
        for offset in range(count):
            backend = backends[(start + offset) % count]
            if backend.down_since is None:
                if chosen is None or backend.outstanding < chosen.outstanding:
                    chosen = backend
            else:
                now = now or time.monotonic()
                if backend.retry_at <= now and (due is None or backend.outstanding < due.outstanding):
                    due = backend
        if chosen is None:  # all down: the one due for a retry takes the request itself
            if due is None:
                raise self.all_down()
            chosen = due
        elif due is not None:
            self._start_probe(due)
        chosen.outstanding += 1
        return chosen

    async def send(self, backend: Backend, request: Awaitable[Response]) -> Response:
        """Await ``request`` (sent to ``backend``); the lease then lasts until ``done(response)``
        (or until the response is garbage, should a caller drop it unread)."""
        if self._only is not None:
            return await request
        try:
            response = await request
        except BaseException as exc:
            self._end(backend, exc)
            raise
        self._mark_up(backend)
        key = id(response)
        self._leases[key] = (weakref.ref(response, lambda _: self._expire(key)), backend)
        return response

    def done(self, response: Response) -> None:
        """The response was read or closed: its replica has one request fewer in flight."""
        if self._only is None and (lease := self._leases.pop(id(response), None)) is not None:
            lease[1].outstanding -= 1

    def _expire(self, key: int) -> None:
        """A response was dropped unread (a stream nobody started): its lease ends all the same."""
        if (lease := self._leases.pop(key, None)) is not None:
            lease[1].outstanding -= 1

    def fail_over(self, error: BaseException) -> bool:
        """After a failed send: True when another replica can take the request now; a 503 when
        every replica is down; False when the usual retries apply (one URL, other failures)."""
        if self._only is None and isinstance(error, _DOWN):
            now = time.monotonic()
            if any(backend.up or backend.retry_at <= now for backend in self.backends):
                return True
            raise self.all_down() from error
        return False

    def all_down(self) -> ProviderUnavailableError:
        now = time.monotonic()
        states = "; ".join(backend.describe(now) for backend in self.backends)
        return ProviderUnavailableError(f"all {len(self.backends)} replicas of {self.name} are down: {states}")

    # -- replicas' state ------------------------------------------------------------------

    def _end(self, backend: Backend, error: BaseException | None) -> None:
        backend.outstanding -= 1
        if isinstance(error, _DOWN):
            self._mark_down(backend, error)

    def _mark_down(self, backend: Backend, error: BaseException) -> None:
        backend.failures += 1
        backend.retry_at = time.monotonic() + min(self._retry_s * 2 ** (backend.failures - 1), MAX_RETRY_S)
        backend.error = f"{type(error).__name__}: {error}"
        if backend.up:
            backend.down_since = time.time()
            log.warning("%s: replica %s is down (%s)", self.name, backend.base_url, backend.error)

    def _mark_up(self, backend: Backend) -> None:
        if not backend.up:
            log.info("%s: replica %s is back", self.name, backend.base_url)
        backend.down_since = None
        backend.failures = 0
        backend.error = ""

    def _start_probe(self, backend: Backend) -> None:
        if backend not in self._probes:
            task = asyncio.create_task(self._probe(backend, self._probe_timeout_s), name=f"probe {backend.base_url}")
            self._probes[backend] = task
            task.add_done_callback(lambda _: self._probes.pop(backend, None))

    async def _probe(self, backend: Backend, timeout_s: float) -> str:
        """GET the replica's ``/models``: up when it answers 200, down when it cannot be reached."""
        try:
            response = await self._http.request("GET", backend.base_url + "/models", timeout_s=timeout_s)
            await response.read()
            status = response.status
        except _DOWN as exc:
            self._mark_down(backend, exc)
            return backend.describe(time.monotonic())
        except HttpError as exc:
            return f"{backend.base_url} did not answer /models: {type(exc).__name__}: {exc}"
        if status != 200:
            return f"{backend.base_url} answered /models with {status}"
        self._mark_up(backend)
        return backend.describe(time.monotonic())

    async def health(self, timeout_s: float) -> dict[str, Any]:
        """Probe every replica now; OK while at least one is up, with each one's state."""
        states = await asyncio.gather(*(self._probe(backend, timeout_s) for backend in self.backends))
        up = sum(backend.up for backend in self.backends)
        message = f"{self.name}: {up} of {len(self.backends)} replicas up; " + "; ".join(states)
        return {"status": "OK" if up else "Error", "message": message}

    async def aclose(self) -> None:
        for task in list(self._probes.values()):
            task.cancel()
        await asyncio.gather(*self._probes.values(), return_exceptions=True)
