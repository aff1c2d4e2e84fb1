"""The FastAPI app. The stack is assembled in the lifespan, and every API router mounted there."""

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute

from plugstack import __version__
from plugstack.apis import inspect, providers
from plugstack.apis.inspect import RouteInfo
from plugstack.config.load import LoadedConfig
from plugstack.plugins import Catalog
from plugstack.remote.relay_route import RelayRouteMiddleware
from plugstack.server.body_guard import BodyGuardMiddleware
from plugstack.server.edge import EdgeFirstFastAPI
from plugstack.server.errors import install_error_handlers
from plugstack.server.failsafe import FailsafeMiddleware
from plugstack.server.guards import GuardMiddleware
from plugstack.server.registry_sync import RegistrySyncMiddleware
from plugstack.stack import Stack, build_stack

log = logging.getLogger(__name__)


def _mount(app: FastAPI, router: APIRouter, provider_types: list[str], routes: list[RouteInfo]) -> None:
    app.include_router(router)
    for route in router.routes:
        if isinstance(route, APIRoute):
            for method in sorted(route.methods):
                routes.append(RouteInfo(route=route.path, method=method, provider_types=provider_types))


def _mount_stack(app: FastAPI, stack: Stack) -> None:
    routes: list[RouteInfo] = []
    _mount(app, inspect.create_router(routes), [], routes)
    _mount(app, providers.create_router(stack.handles), [], routes)
    for api, declaration in stack.declarations.items():
        provider_types = sorted({h.provider_type for h in stack.handles if h.api == api})
        _mount(app, declaration.create_router(stack.impls[api]), provider_types, routes)
        for resource_api in declaration.resources:
            table = stack.tables[resource_api.kind.registered_key]
            _mount(app, resource_api.create_router(table), provider_types, routes)


def create_app(loaded: LoadedConfig, catalog: Catalog) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        started = time.perf_counter()
        stack = await build_stack(loaded, catalog)
        app.state.stack = stack
        _mount_stack(app, stack)
        log.info(
            "stack %r ready in %.2f s: %d APIs, %d providers",
            loaded.config.distribution,
            time.perf_counter() - started,
            len(stack.impls),
            len(stack.handles),
        )
        try:
            yield
        finally:
            await stack.shutdown()

    app = EdgeFirstFastAPI(
        title=f"plugstack: {loaded.config.distribution}",
        version=__version__,
        lifespan=lifespan,
        description="AI application stack assembled from pluggable providers (Llama Stack compatible).",
    )
    install_error_handlers(app)
    server = loaded.config.server
    # Added innermost first: failsafe (request ids, 500s) > CORS > auth and quota > body guard
    # > registry sync > relay routes > FastAPI, so an unauthenticated body is refused before it
    # is read, and the relay routes see current registrations and a sound body.
    app.add_middleware(RelayRouteMiddleware)
    app.add_middleware(RegistrySyncMiddleware)
    app.add_middleware(
        BodyGuardMiddleware,
        max_request_bytes=server.max_request_bytes,
        max_upload_bytes=server.max_upload_bytes,
        max_json_depth=server.max_json_depth,
    )
    if server.auth or server.quota:
        app.add_middleware(GuardMiddleware, auth=server.auth, quota=server.quota, access_policy=server.access_policy)
    if server.cors:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=server.cors.allow_origins,
            allow_methods=server.cors.allow_methods,
            allow_headers=server.cors.allow_headers,
            allow_credentials=server.cors.allow_credentials,
        )
    app.add_middleware(FailsafeMiddleware)
    return app
