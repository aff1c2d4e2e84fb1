"""A job's client of the stack's HTTP API, for jobs that run away from the server (on a Ray
cluster) and call it back (``JobManager.submit(..., call_back=True)``).

Such a job outlives the server it was submitted to, so a server that does not answer (being
restarted, or a replica going away behind the load balancer) is waited for: transport errors and
502/503/504 are retried with backoff until ``patience_s`` has passed without an answer. Any
other error answer is final: it raises `StackCallError` with the server's ``detail``.
"""

import asyncio
import logging
import time
from typing import Any

import httpx

log = logging.getLogger(__name__)

PATIENCE_S = 600.0  # a server restart, a rolling update
RETRIED_STATUSES = frozenset({502, 503, 504})
FIRST_BACKOFF_S = 0.25
MAX_BACKOFF_S = 5.0


class StackCallError(RuntimeError):
    """The stack answered a call with an error; the message is its detail."""


class StackClient:
    def __init__(self, url: str, token: str | None, patience_s: float = PATIENCE_S, timeout_s: float = 600.0) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.AsyncClient(base_url=url, headers=headers, timeout=timeout_s)
        self._patience_s = patience_s

    async def __aenter__(self) -> "StackClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()

    async def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return await self._call("GET", path, params=params)

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        return await self._call("POST", path, json=body)

    async def _call(self, method: str, path: str, **request: Any) -> Any:
        deadline = time.monotonic() + self._patience_s
        backoff = FIRST_BACKOFF_S
        while True:
            try:
                response = await self._http.request(method, path, **request)
            except httpx.TransportError as exc:
                failure = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code not in RETRIED_STATUSES:
                    return _result(method, path, response)
                failure = f"HTTP {response.status_code}"
            if time.monotonic() + backoff > deadline:
                raise StackCallError(
                    f"{method} {path}: the stack at {self._http.base_url} did not answer for "
                    f"{self._patience_s:.0f} s ({failure})"
                )
            log.warning("%s %s: %s; retrying in %.2f s", method, path, failure, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_S)


def _result(method: str, path: str, response: httpx.Response) -> Any:
    if response.is_success:
        return response.json()
    try:
        detail = response.json().get("detail") or response.text
    except ValueError:
        detail = response.text
    raise StackCallError(f"{method} {path}: {response.status_code} {detail}")
