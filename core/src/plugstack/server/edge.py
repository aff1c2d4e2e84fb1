"""FastAPI with the middleware added to it run in front of it, not inside it.

Starlette nests added middleware inside the app's own per-request layers (error middleware,
FastAPI's OpenTelemetry check, body limit), so every request pays those even when the edge
answers it itself: a refused token, an oversized body, a relayed inference call. Here HTTP
requests pass the added middleware first and reach FastAPI (all of its layers, telemetry
included) only when the edge hands them on; lifespan events go to FastAPI directly. The
middleware are still added with ``add_middleware``, innermost first, as for any app.
"""

from fastapi import FastAPI

from plugstack.server.asgi import ASGIApp, Receive, Scope, Send


class EdgeFirstFastAPI(FastAPI):
    _edge: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._edge is None:
            self._edge = self._build_edge()
        if scope["type"] == "http":
            scope["app"] = self
            await self._edge(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)

    def _build_edge(self) -> ASGIApp:
        """The added middleware around FastAPI, which then builds its own layers without them."""
        middleware, self.user_middleware = self.user_middleware, []
        app: ASGIApp = super().__call__
        for cls, args, kwargs in reversed(middleware):
            app = cls(app, *args, **kwargs)
        return app
