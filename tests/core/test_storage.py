"""The SQLite backend behind the KV and SQL interfaces."""

from pathlib import Path

import pytest

from plugstack.storage.kv import NamespacedKV
from plugstack.storage.sql import ColumnType
from plugstack.storage.sqlite import SqliteBackend


async def test_kv_roundtrip_prefixes_and_namespaces(tmp_path: Path) -> None:
    backend = SqliteBackend(tmp_path / "state.db")
    a, b = NamespacedKV(backend, "a"), NamespacedKV(backend, "b")
    await a.set("model:x", "1")
    await a.set("model:y", "2")
    await a.set("dataset:z", "3")
    await b.set("model:x", "other")
    assert await a.get("model:x") == "1" and await b.get("model:x") == "other"
    assert await a.items("model:") == [("model:x", "1"), ("model:y", "2")]
    await a.set("model:x", "updated")
    await a.delete("model:y")
    assert await a.items("model:") == [("model:x", "updated")]
    assert await a.get("missing") is None
    backend.close()
    reopened = SqliteBackend(tmp_path / "state.db")
    assert await NamespacedKV(reopened, "a").get("model:x") == "updated"


async def test_wal_and_busy_timeout(tmp_path: Path) -> None:
    backend = SqliteBackend(tmp_path / "state.db")
    assert backend._run("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert backend._run("PRAGMA busy_timeout").fetchone()[0] == 5000


async def test_sql_tables_with_json_columns(tmp_path: Path) -> None:
    db = SqliteBackend(tmp_path / "state.db")
    await db.create_table("things", {"id": ColumnType.TEXT, "n": ColumnType.INTEGER, "data": ColumnType.JSON}, "id")
    await db.insert("things", {"id": "a", "n": 1, "data": {"k": [1, 2]}})
    await db.insert("things", {"id": "b", "n": 2, "data": None})
    await db.insert("things", {"id": "c", "n": 2, "data": "text"})
    assert await db.fetch_one("things", {"id": "a"}) == {"id": "a", "n": 1, "data": {"k": [1, 2]}}
    assert [r["id"] for r in await db.fetch_all("things", {"n": 2}, order_by="id")] == ["b", "c"]
    assert [r["id"] for r in await db.fetch_all("things", order_by="id", limit=1, offset=1)] == ["b"]
    assert await db.update("things", {"data": [3]}, {"id": "b"}) == 1
    assert (await db.fetch_one("things", {"id": "b"}))["data"] == [3]  # type: ignore[index]
    assert await db.delete("things", {"n": 2}) == 2
    assert await db.fetch_one("things", {"id": "c"}) is None


async def test_identifiers_are_checked(tmp_path: Path) -> None:
    db = SqliteBackend(tmp_path / "state.db")
    with pytest.raises(ValueError, match="not a valid SQL identifier"):
        await db.fetch_all("things; DROP TABLE kv")
