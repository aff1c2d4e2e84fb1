"""Keeps a server's routing tables current when other servers share its registry store.

Tables serve lookups from memory (a dict read per request); before each request the server
reads the store's version token (one key) and reloads every table only when it changed. A
registration acknowledged by one server is therefore seen by the next request to any other.
"""

import asyncio
from collections.abc import Mapping

from plugstack.registry.routing import RoutingTable
from plugstack.registry.store import ResourceStore


class RegistrySync:
    def __init__(self, store: ResourceStore, tables: Mapping[str, RoutingTable]) -> None:
        self._store = store
        self._tables = tables
        self._seen: str | None = None
        self._lock = asyncio.Lock()

    async def __call__(self) -> None:
        version = await self._store.version()
        if version == self._seen:
            return
        async with self._lock:
            if version == self._seen:
                return
            # the token is read before the tables: a change made meanwhile brings a new token,
            # so it is picked up by the next call rather than missed
            for table in self._tables.values():
                await table.reload()
            self._seen = version
