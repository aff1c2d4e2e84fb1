"""Bearer-token auth, auth-failure throttling and per-client request quotas, as one small ASGI
middleware. With auth on it also sets the request's principal (`plugstack.access.principal`),
which the ownership checks read. A job token (`plugstack.jobs.tokens`) stands for the principal
that submitted its job, while the job runs.

It is only installed when run.yaml's server section asks for auth or a quota, so a stack
without them pays nothing.
"""

import time
from collections import deque

from plugstack.access.policy import AccessPolicy, AccessRule
from plugstack.access.principal import CALLER, Caller, Principal
from plugstack.config.schema import AuthConfig, QuotaConfig
from plugstack.jobs.tokens import is_job_token
from plugstack.server.asgi import ASGIApp, Receive, Scope, Send, header, send_error
from plugstack.server.auth_throttle import AuthFailureThrottle

OPEN_PATHS = frozenset({"/v1/health"})
WINDOW_S = 60.0


def key_principals(auth: AuthConfig) -> dict[str, Principal]:
    """Each accepted token and who it is."""
    return {
        entry.key.get_secret_value(): Principal(principal=entry.principal, attributes=entry.attributes)
        for entry in auth.api_keys
    }


class GuardMiddleware:
    def __init__(
        self, app: ASGIApp, auth: AuthConfig | None, quota: QuotaConfig | None, access_policy: list[AccessRule]
    ) -> None:
        self.app = app
        self.keys = key_principals(auth) if auth else None
        self.throttle = AuthFailureThrottle(auth.throttle) if auth else None
        self.policy = AccessPolicy(access_policy)
        self.quota = quota
        self.calls: dict[str, deque[float]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        token = _bearer(scope)
        caller = None
        if self.keys is not None:
            assert self.throttle is not None
            address = (scope.get("client") or ("?",))[0]
            wait = self.throttle.wait_s(address)
            if wait is not None:
                detail = f"too many failed authentications from this address; retry in {wait:.0f} s"
                retry = {"retry-after": f"{max(1, round(wait))}"}
                await send_error(send, scope, 429, "Too Many Requests", detail, retry)
                return
            principal = self.keys.get(token or "")
            if principal is None and token and is_job_token(token):
                principal = await scope["app"].state.stack.jobs.tokens.principal(token)
            if principal is None:
                self.throttle.failed(address)
                await send_error(
                    send, scope, 401, "Unauthorized", "a valid 'Authorization: Bearer <api key>' header is required"
                )
                return
            caller = Caller(principal, self.policy, scope["app"].state.stack.owners)
        if self.quota is not None:
            client = token or (scope.get("client") or ("?",))[0]
            wait = self._over_quota(client)
            if wait is not None:
                detail = (
                    f"quota of {self.quota.requests_per_minute} requests per minute exceeded; retry in {wait:.0f} s"
                )
                await send_error(send, scope, 429, "Too Many Requests", detail, {"retry-after": f"{wait:.0f}"})
                return
        if caller is None:
            await self.app(scope, receive, send)
            return
        reset = CALLER.set(caller)
        try:
            await self.app(scope, receive, send)
        finally:
            CALLER.reset(reset)

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
