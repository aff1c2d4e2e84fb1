"""Persistence of registered resources in a KV store, one namespace per kind."""

import json

from plugstack.registry.resources import Resource, ResourceKind
from plugstack.storage.kv import KVStore


class ResourceStore:
    def __init__(self, kv: KVStore) -> None:
        self._kv = kv

    async def put(self, kind: ResourceKind, resource: Resource) -> None:
        await self._kv.set(f"{kind.type}:{resource.identifier}", resource.model_dump_json())

    async def delete(self, kind: ResourceKind, identifier: str) -> None:
        await self._kv.delete(f"{kind.type}:{identifier}")

    async def load_all(self, kind: ResourceKind) -> list[Resource]:
        items = await self._kv.items(prefix=f"{kind.type}:")
        return [kind.resource_class.model_validate(json.loads(value)) for _, value in items]
