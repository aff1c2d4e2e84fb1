"""Bearer-token auth and per-client request quotas, as one small ASGI middleware.

It is only installed when run.yaml's server section asks for auth or a quota, so a stack
without them pays nothing.
"""

import time
from collections import deque

from plugstack.config.schema import AuthConfig, QuotaConfig
from plugstack.server.asgi import ASGIApp, Receive, Scope, Send, header, send_error

OPEN_PATHS = frozenset({"/v1/health"})
WINDOW_S = 60.0


class GuardMiddleware:
    def __init__(self, app: ASGIApp, auth: AuthConfig | None, quota: QuotaConfig | None) -> None:
        self.app = app
        self.keys = {key.get_secret_value() for key in auth.api_keys} if auth else None
        self.quota = quota
        self.calls: dict[str, deque[float]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        token = _bearer(scope)
        if self.keys is not None and token not in self.keys:
            await send_error(
                send, scope, 401, "Unauthorized", "a valid 'Authorization: Bearer <api key>' header is required"
            )
            return
        if self.quota is not None:
            client = token or (scope.get("client") or ("?",))[0]
            wait = self._over_quota(client)
            if wait is not None:
                detail = (
                    f"quota of {self.quota.requests_per_minute} requests per minute exceeded; retry in {wait:.0f} s"
                )
                await send_error(send, scope, 429, "Too Many Requests", detail, {"retry-after": f"{wait:.0f}"})
                return
        await self.app(scope, receive, send)

    def _over_quota(self, client: str) -> float | None:
        assert self.quota is not None
        now = time.monotonic()
        calls = self.calls.setdefault(client, deque())
        while calls and now - calls[0] >= WINDOW_S:
            calls.popleft()
        if len(calls) >= self.quota.requests_per_minute:
            return max(1.0, WINDOW_S - (now - calls[0]))
        calls.append(now)
        return None


def _bearer(scope: Scope) -> str | None:
    value = header(scope, b"authorization")
    if value is None:
        return None
    scheme, _, token = value.decode("latin-1").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None
