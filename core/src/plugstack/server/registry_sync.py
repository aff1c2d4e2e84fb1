"""Every request sees registrations made through the other servers sharing the registry store.

A plain ASGI middleware rather than a FastAPI dependency: the relay routes answered before
FastAPI's router need it too, and it costs no dependency solving per request. What a sync
costs (next to nothing on a server alone on its SQLite file) is `RegistrySync`'s business.
"""

from plugstack.server.asgi import ASGIApp, Receive, Scope, Send


class RegistrySyncMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await scope["app"].state.stack.sync_registry()
        await self.app(scope, receive, send)
