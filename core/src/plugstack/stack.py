"""Assembly: from a checked run config to running providers, routing tables and API impls.

Providers are built in dependency order; each receives the *implementations* of the APIs
it depends on (routers, not provider modules). A provider whose factory fails is kept as
unhealthy with the reason: the stack still starts and serves everything else.
"""

import logging
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plugstack.access.ownership import OwnerLedger
from plugstack.access.policy import AccessPolicy
from plugstack.access.principal import STACK_ACCESS, StackAccess
from plugstack.apis.declaration import ApiDeclaration, get_declaration
from plugstack.apis.names import Api
from plugstack.config.load import LoadedConfig, dependency_order
from plugstack.config.schema import RunConfig
from plugstack.jobs.manager import JobManager
from plugstack.jobs.ray_runner import RayRunner
from plugstack.plugins import Catalog
from plugstack.registry.handles import ProviderHandle
from plugstack.registry.routing import RoutingTable
from plugstack.registry.store import ResourceStore
from plugstack.registry.sync import RegistrySync
from plugstack.spec import ProviderContext
from plugstack.storage.backends import StorageBackend, open_backends
from plugstack.storage.kv import NamespacedKV

log = logging.getLogger(__name__)

STATE_DIR_ENV = "PLUGSTACK_STATE_DIR"


@dataclass
class Stack:
    """A running stack: what the server serves and what providers see of each other."""

    loaded: LoadedConfig
    state_dir: Path
    backends: dict[str, StorageBackend]
    jobs: JobManager
    sync_registry: RegistrySync
    owners: OwnerLedger  # who owns the objects kept outside the registry (auth on)
    handles: list[ProviderHandle] = field(default_factory=list)
    tables: dict[str, RoutingTable] = field(default_factory=dict)
    impls: dict[Api, Any] = field(default_factory=dict)
    declarations: dict[Api, ApiDeclaration] = field(default_factory=dict)

    def handle(self, provider_id: str) -> ProviderHandle | None:
        return next((h for h in self.handles if h.provider_id == provider_id), None)

    async def shutdown(self) -> None:
        await self.jobs.shutdown()
        for handle in reversed(self.handles):
            close = getattr(handle.impl, "shutdown", None)
            if close is not None:
                try:
                    await close()
                except Exception:
                    log.exception("provider %s failed to shut down", handle.provider_id)
        self.sync_registry.close()
        for backend in self.backends.values():
            await backend.aclose()


def _state_dir(loaded: LoadedConfig) -> Path:
    config = loaded.config
    raw = config.storage.state_dir or os.environ.get(STATE_DIR_ENV) or f"~/.plugstack/{config.distribution}"
    path = Path(raw).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _stack_url(config: RunConfig) -> str:
    """Where jobs call the stack back: the configured URL, else the address this server binds."""
    if config.jobs.ray and config.jobs.ray.stack_url:
        return config.jobs.ray.stack_url.rstrip("/")
    server = config.server
    host = socket.gethostname() if server.host in ("0.0.0.0", "::", "") else server.host
    host = f"[{host}]" if ":" in host else host
    return f"{'https' if server.tls else 'http'}://{host}:{server.port}"


async def build_stack(loaded: LoadedConfig, catalog: Catalog) -> Stack:
    config = loaded.config
    state_dir = _state_dir(loaded)
    backends = await open_backends(config.storage, state_dir)
    ray = RayRunner(config.jobs.ray) if config.jobs.runner == "ray" and config.jobs.ray else None
    jobs = JobManager(backends[config.storage.jobs], ray=ray, stack_url=_stack_url(config))
    await jobs.initialize()
    resource_store = ResourceStore(NamespacedKV(backends[config.storage.registry], "registry"))
    tables: dict[str, RoutingTable] = {}
    stack = Stack(
        loaded=loaded,
        state_dir=state_dir,
        backends=backends,
        jobs=jobs,
        sync_registry=RegistrySync(resource_store, tables, backends[config.storage.registry]),
        owners=OwnerLedger(NamespacedKV(backends[config.storage.registry], "owners")),
        tables=tables,
    )
    provider_kv = backends[config.storage.providers]
    if config.server.auth:  # tasks providers start from here on can act for an object's owner
        STACK_ACCESS.set(StackAccess(AccessPolicy(config.server.access_policy), stack.owners))

    def dependencies(api: Api) -> set[Api]:
        """Required ones, and optional ones the stack serves (built first, so they can be injected)."""
        specs = [catalog.providers[(api, entry.provider_type)] for entry in config.providers.get(api, [])]
        optional = {dep for spec in specs for dep in spec.optional_api_dependencies if dep in config.apis}
        return {dep for spec in specs for dep in spec.api_dependencies} | optional

    graph = {api: dependencies(api) for api in config.apis}
    for api in dependency_order(graph):
        declaration = get_declaration(api)
        assert declaration is not None, f"{api} passed config checks without a declaration"
        stack.declarations[api] = declaration
        handles = []
        for entry in config.providers.get(api, []):
            spec = catalog.providers[(api, entry.provider_type)]
            handle = ProviderHandle(
                provider_id=entry.provider_id,
                spec=spec,
                config=loaded.provider_configs[entry.provider_id],
                origin=catalog.origin[(api, entry.provider_type)],
            )
            context = ProviderContext(
                provider_id=entry.provider_id,
                deps={
                    dep: stack.impls[dep]
                    for dep in (*spec.api_dependencies, *spec.optional_api_dependencies)
                    if dep in stack.impls
                },
                kv=NamespacedKV(provider_kv, f"provider/{entry.provider_id}"),
                state_dir=state_dir / "providers" / entry.provider_id,
                stack_state_dir=state_dir,
                jobs=jobs,
                registry=stack.tables,
            )
            context.state_dir.mkdir(parents=True, exist_ok=True)
            try:
                handle.impl = await spec.factory(handle.config, context)
            except Exception as exc:  # noqa: BLE001 - a failing provider never takes the server down
                handle.error = f"failed to start: {type(exc).__name__}: {exc}"
                if isinstance(exc, ImportError) and (spec.install_hint or spec.pip_packages):
                    handle.error += f" (install: {spec.install_hint or 'pip install ' + ' '.join(spec.pip_packages)})"
                log.warning("provider %s (%s) %s", entry.provider_id, entry.provider_type, handle.error)
            handles.append(handle)
        stack.handles.extend(handles)
        for resource_api in declaration.resources:
            table = RoutingTable(resource_api.kind, resource_store, handles)
            await table.load()
            stack.tables[resource_api.kind.registered_key] = table
        stack.impls[api] = declaration.build_impl(handles, stack.tables)

    await _register_resources(stack, loaded)
    return stack


async def _register_resources(stack: Stack, loaded: LoadedConfig) -> None:
    """run.yaml's registered_resources, at every start: idempotent, and a provider that is
    down only loses its own resources."""
    for kind, request in loaded.resource_requests:
        try:
            await stack.tables[kind.registered_key].register(request, from_config=True)
        except Exception as exc:  # noqa: BLE001 - logged with the resource named, start-up goes on
            identifier = getattr(request, kind.id_field)
            log.warning("could not register %s %r: %s", kind.type, identifier, exc)
