"""Persistence of registered resources in a KV store, one namespace per kind.

Every change also writes a new ``version`` token: a server sharing the store with others reads
that one key to learn whether its copy of the registry is still current (see ``sync``).
"""

import json
import uuid

from plugstack.registry.resources import Resource, ResourceKind
from plugstack.storage.kv import KVStore

VERSION_KEY = "version"


class ResourceStore:
    def __init__(self, kv: KVStore) -> None:
        self._kv = kv

    async def put(self, kind: ResourceKind, resource: Resource) -> None:
        await self._kv.set(f"{kind.type}:{resource.identifier}", resource.model_dump_json())
        await self._bump()

    async def delete(self, kind: ResourceKind, identifier: str) -> None:
        await self._kv.delete(f"{kind.type}:{identifier}")
        await self._bump()

    async def load_all(self, kind: ResourceKind) -> list[Resource]:
        items = await self._kv.items(prefix=f"{kind.type}:")
        return [kind.resource_class.model_validate(json.loads(value)) for _, value in items]

    async def version(self) -> str | None:
        """Changes whenever any resource is put or deleted, by any server (never repeats)."""
        return await self._kv.get(VERSION_KEY)

    async def _bump(self) -> None:
        # written after the change itself: a reader that sees the new token also sees the change
        await self._kv.set(VERSION_KEY, uuid.uuid4().hex)
