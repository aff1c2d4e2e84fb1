"""The generic routing table: one per resource kind, the same code for every API."""

import asyncio
import logging
from typing import Any

from pydantic import BaseModel

from plugstack.access.ownership import check_create, check_owned, may_read, owner_for_new
from plugstack.access.policy import Action
from plugstack.apis.ids import check_printable
from plugstack.errors import BadRequestError, ConflictError, not_found
from plugstack.registry.handles import ProviderHandle
from plugstack.registry.resources import Resource, ResourceKind
from plugstack.registry.store import ResourceStore

log = logging.getLogger(__name__)


class RoutingTable:
    """Registered resources of one kind, each mapped to the provider that serves it.

    Providers may take part in registration by defining ``register_resource(resource)``
    (validate, load, or rewrite ``provider_resource_id``) and ``unregister_resource(resource)``.
    A request without ``provider_id`` goes to the only provider, or else to the only one whose
    ``accepts(request)`` says yes (e.g. a dataset source's URI scheme, as its config lists).
    A provider that knows its own resources (a remote server's model list) defines
    ``list_resources(kind_type)``, returning register requests: see ``refresh``.
    """

    def __init__(self, kind: ResourceKind, store: ResourceStore, providers: list[ProviderHandle]) -> None:
        self.kind = kind
        self._store = store
        self._providers = {handle.provider_id: handle for handle in providers}
        self._resources: dict[str, Resource] = {}
        self._stored: dict[str, str] = {}  # identifier -> its JSON in the store, as last seen
        self._announced: dict[str, set[str]] = {}  # provider_id -> ids it announced itself
        self._lock = asyncio.Lock()

    async def load(self) -> None:
        """Restore persisted registrations, telling each provider about its own again."""
        await self.reload()
        for provider_id in self._providers:
            await self.refresh(provider_id)

    async def reload(self) -> None:
        """Bring the table in step with the store: what another server sharing it registered or
        unregistered is served or dropped here too, its provider told as at start-up."""
        persisted = {resource.identifier: resource for resource in await self._store.load_all(self.kind)}
        async with self._lock:
            for identifier in self._stored.keys() - persisted.keys():
                await self._drop(identifier)
            for identifier, resource in persisted.items():
                stored = resource.model_dump_json()
                if self._stored.get(identifier) == stored:
                    continue
                if identifier in self._stored:
                    await self._drop(identifier)
                self._stored[identifier] = stored
                await self._restore(resource)

    async def _restore(self, resource: Resource) -> None:
        handle = self._providers.get(resource.provider_id)
        if handle is None:  # its provider is no longer configured: keep it stored, unserved
            return
        hook = getattr(handle.impl, "register_resource", None)
        if hook is not None:
            try:
                resource = (await hook(resource) or resource).model_copy(update={"owner": resource.owner})
            except Exception as exc:  # noqa: BLE001 - one bad resource must not stop start-up
                log.warning("%s %r could not be restored: %s", self.kind.type, resource.identifier, exc)
        self._resources[resource.identifier] = resource

    async def _drop(self, identifier: str) -> None:
        """Stop serving a registration another server removed (the store already lacks it)."""
        del self._stored[identifier]
        resource = self._resources.pop(identifier, None)
        handle = self._providers.get(resource.provider_id) if resource else None
        hook = getattr(handle.impl, "unregister_resource", None) if handle else None
        if hook is not None:
            try:
                await hook(resource)
            except Exception as exc:  # noqa: BLE001 - the registration is gone either way
                log.warning("%s %r could not be unloaded: %s", self.kind.type, identifier, exc)

    async def refresh(self, provider_id: str) -> None:
        """Serve what the provider announces (``list_resources``), replacing its last list.

        Announced resources are not persisted: the provider stays their source of truth. A
        registration of the same id (persisted, or run.yaml's) wins over an announcement; a
        provider that cannot answer now keeps what it announced before.
        """
        handle = self._providers[provider_id]
        announce = getattr(handle.impl, "list_resources", None)
        if announce is None:
            return
        try:
            requests = await announce(self.kind.type)
        except Exception as exc:  # noqa: BLE001 - a provider that cannot list now is retried by its owner
            log.warning("provider %s could not list its %ss: %s", provider_id, self.kind.type, exc)
            return
        async with self._lock:
            before = self._announced.get(provider_id, set())
            now: set[str] = set()
            for raw in requests:
                resource = self.kind.new_resource(self.kind.register_request.model_validate(raw), provider_id)
                if resource.identifier in self._resources and resource.identifier not in before:
                    continue  # registered explicitly: that registration wins
                self._resources[resource.identifier] = resource
                now.add(resource.identifier)
            for identifier in before - now:
                self._resources.pop(identifier, None)
            self._announced[provider_id] = now

    def _provider_id(self, request: BaseModel) -> str:
        requested = getattr(request, "provider_id", None)
        if requested:
            if requested not in self._providers:
                available = ", ".join(sorted(self._providers)) or "none"
                raise BadRequestError(
                    f"provider_id {requested!r} is not a {self.kind.api} provider of this stack; available: {available}"
                )
            return requested
        if len(self._providers) == 1:
            return next(iter(self._providers))
        if not self._providers:
            raise BadRequestError(f"this stack has no {self.kind.api} provider to register a {self.kind.type} with")
        accepting = [pid for pid, handle in self._providers.items() if self._accepts(handle, request)]
        if len(accepting) == 1:
            return accepting[0]
        raise BadRequestError(
            f"several {self.kind.api} providers are configured and {len(accepting) or 'none'} of them accept "
            f"this {self.kind.type}; pass provider_id (one of: {', '.join(sorted(self._providers))})"
        )

    @staticmethod
    def _accepts(handle: ProviderHandle, request: BaseModel) -> bool:
        accepts = getattr(handle.impl, "accepts", None)
        return accepts is not None and bool(accepts(request))

    async def register(self, request: BaseModel, from_config: bool = False) -> Resource:
        """Register; the same registration again is a no-op. A different one under the same id
        is a conflict. ``from_config`` (run.yaml at start-up): the file is the truth, so it
        replaces a differing registration, and a provider that is down keeps its resources
        (calls to them answer 503 with the reason, not 404)."""
        provider_id = self._provider_id(request)
        resource = self.kind.new_resource(request, provider_id)
        check_printable(resource.identifier, self.kind.id_field)
        owner = None if from_config else owner_for_new()
        if not from_config:
            await check_create(self.kind.type, resource.identifier)
            resource = resource.model_copy(update={"owner": owner})
        async with self._lock:
            existing = self._resources.get(resource.identifier)
            if existing is not None:
                if existing.same_as(resource):
                    return existing
                if from_config:
                    await self._forget(existing)
                elif not may_read(self.kind.type, existing.identifier, existing.owner):
                    raise ConflictError(f"{self.kind.type} {resource.identifier!r} is already registered")
                else:
                    raise ConflictError(
                        f"{self.kind.type} {resource.identifier!r} is already registered "
                        f"(provider {existing.provider_id!r}); unregister it first"
                    )
            handle = self._providers[provider_id]
            provider = handle.impl if from_config else handle.require()
            hook = getattr(provider, "register_resource", None)
            if hook is not None:
                resource = (await hook(resource) or resource).model_copy(update={"owner": owner})
            await self._store.put(self.kind, resource)
            self._stored[resource.identifier] = resource.model_dump_json()
            self._resources[resource.identifier] = resource
            return resource

    async def unregister(self, identifier: str) -> None:
        async with self._lock:
            resource = self.get(identifier)
            self.check(resource, "delete")
            await self._forget(resource)

    async def _forget(self, resource: Resource) -> None:
        hook = getattr(self._providers[resource.provider_id].impl, "unregister_resource", None)
        if hook is not None:
            await hook(resource)
        await self._store.delete(self.kind, resource.identifier)
        self._stored.pop(resource.identifier, None)
        del self._resources[resource.identifier]
        for announced in self._announced.values():
            announced.discard(resource.identifier)

    def get(self, identifier: str) -> Resource:
        """The resource, if the caller may read it (a 404 listing what it may read otherwise)."""
        resource = self._resources.get(identifier)
        if resource is None or not may_read(self.kind.type, identifier, resource.owner):
            raise not_found(self.kind.type, identifier, [r.identifier for r in self.all()])
        return resource

    def all(self) -> list[Resource]:
        """What the caller may read (everything with auth off)."""
        return [r for r in self._resources.values() if may_read(self.kind.type, r.identifier, r.owner)]

    def check(self, resource: Resource, action: Action) -> None:
        """403 unless the caller may ``action`` the resource (which it could read: see ``get``)."""
        check_owned(action, self.kind.type, resource.identifier, resource.owner)

    def provider_ids(self, provider_type: str | None = None) -> list[str]:
        """The providers this table routes to (only those of ``provider_type``), in run.yaml order."""
        return [pid for pid, h in self._providers.items() if provider_type in (None, h.provider_type)]

    def route(self, identifier: str) -> tuple[Resource, Any]:
        """The resource and the running provider instance that serves it (404 / 503 otherwise)."""
        resource = self.get(identifier)
        return resource, self._providers[resource.provider_id].require()
