"""Keeps a server's routing tables current when other servers share its registry store.

Tables serve lookups from memory (a dict read per request); before each request the server
reads the store's version token (one key) and reloads every table only when it changed. A
registration acknowledged by one server is therefore seen by the next request to any other.

On SQLite even that read is skipped while nothing else wrote to the file: ``PRAGMA
data_version`` on a connection of our own changes only when another connection (another
server's, or this server's store) committed, and asking costs microseconds, not a query
through the store. A server alone on its file therefore never reads the token per request.
"""

import asyncio
import sqlite3
from collections.abc import Mapping

from plugstack.registry.routing import RoutingTable
from plugstack.registry.store import ResourceStore
from plugstack.storage.sqlite import SqliteBackend


class RegistrySync:
    def __init__(self, store: ResourceStore, tables: Mapping[str, RoutingTable], backend: object = None) -> None:
        self._store = store
        self._tables = tables
        self._seen: str | None = None
        self._lock = asyncio.Lock()
        # a connection of its own: data_version ignores the asking connection's own commits
        self._probe = (
            sqlite3.connect(backend.path, check_same_thread=False) if isinstance(backend, SqliteBackend) else None
        )
        self._probed: int | None = None

    def _data_version(self) -> int | None:
        return None if self._probe is None else self._probe.execute("PRAGMA data_version").fetchone()[0]

    async def __call__(self) -> None:
        data_version = self._data_version()
        if data_version is not None and data_version == self._probed:
            return
        version = await self._store.version()
        if version != self._seen:
            async with self._lock:
                if version != self._seen:
                    # the token is read before the tables: a change made meanwhile brings a new
                    # token, so it is picked up by the next call rather than missed
                    for table in self._tables.values():
                        await table.reload()
                    self._seen = version
        self._probed = data_version  # only once in sync: a failed reload is tried again

    def close(self) -> None:
        if self._probe is not None:
            self._probe.close()
