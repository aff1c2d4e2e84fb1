"""Keeps a server's routing tables current when other servers share its registry store.

Tables serve lookups from memory (a dict read per request); before each request the server
reads the store's version token (one key) and reloads every table only when it changed. A
registration acknowledged by one server is therefore seen by the next request to any other.

On SQLite even that read is skipped while nothing else wrote to the file. The store runs in
WAL mode, where every commit rewrites the WAL-index header: the first 48 bytes of the file's
shared memory (``<db>-shm``, https://www.sqlite.org/walformat.html). Mapped read-only, it is
looked at with a memory read, no system call; a header as it was means no commit since. In
another journal mode, ``PRAGMA data_version`` on a connection of our own tells the same for
two locking calls. Either way a server alone on its file never reads the token per request.
"""

import asyncio
import mmap
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path

from plugstack.registry.routing import RoutingTable
from plugstack.registry.store import ResourceStore
from plugstack.storage.sqlite import SqliteBackend


class RegistrySync:
    def __init__(self, store: ResourceStore, tables: Mapping[str, RoutingTable], backend: object = None) -> None:
        self._store = store
        self._tables = tables
        self._seen: str | None = None
        self._lock = asyncio.Lock()
        # a connection of its own: data_version ignores the asking connection's own commits, and
        # while it is open the shared memory file stays (SQLite removes it with the last connection)
        self._probe = (
            sqlite3.connect(backend.path, check_same_thread=False) if isinstance(backend, SqliteBackend) else None
        )
        self._shm: mmap.mmap | None = None
        self._data_version = self._change_probe()
        self._probed: object = None

    def _change_probe(self) -> Callable[[], object]:
        """What to compare before each request: something that changes with every commit."""
        probe = self._probe
        if probe is None:
            return lambda: None
        pragma = lambda: probe.execute("PRAGMA data_version").fetchone()[0]  # noqa: E731
        probe.execute("SELECT count(*) FROM sqlite_master").fetchone()  # a read maps the shared memory
        if probe.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            return pragma
        try:
            with Path(f"{probe.execute('PRAGMA database_list').fetchone()[2]}-shm").open("rb") as file:
                self._shm = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # no such file (an in-memory database), or an empty one
            return pragma
        shm = self._shm
        return lambda: shm[:48]

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
        if self._shm is not None:
            self._shm.close()
        if self._probe is not None:
            self._probe.close()
