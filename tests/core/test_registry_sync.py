"""The registry sync reads the store's version token only after someone committed to the file:
looked at in the WAL-index header on a WAL database, asked of SQLite in any other journal mode."""

from pathlib import Path

import pytest

from plugstack.registry.store import ResourceStore
from plugstack.registry.sync import RegistrySync
from plugstack.storage.sqlite import SqliteBackend


class CountingStore(ResourceStore):
    """The real store, counting how often the version token is read."""

    reads = 0

    async def version(self) -> str | None:
        self.reads += 1
        return await super().version()


@pytest.mark.parametrize("journal", ["wal", "delete"])
async def test_the_token_is_read_only_after_a_commit(tmp_path: Path, journal: str) -> None:
    path = tmp_path / "state.db"
    backend = SqliteBackend(path)
    backend._conn.execute(f"PRAGMA journal_mode={journal}")
    store = CountingStore(backend)
    sync = RegistrySync(store, {}, backend)
    assert (sync._shm is not None) == (journal == "wal")

    await sync()
    for _ in range(3):
        await sync()
    assert store.reads == 1  # nothing committed since the first look

    other_server = SqliteBackend(path)
    if journal != "wal":
        other_server._conn.execute(f"PRAGMA journal_mode={journal}")
    for expected in (2, 3):
        await other_server.set("registry:version", f"token-{expected}")
        await sync()
        await sync()
        assert store.reads == expected

    await backend.set("something", "else")  # this server's own store commits too
    await sync()
    assert store.reads == 4
    sync.close()
    other_server.close()
    backend.close()
