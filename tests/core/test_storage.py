"""The KV and SQL interfaces, the same contract on every backend (SQLite, PostgreSQL)."""

from pathlib import Path

import pytest

from plugstack.config.schema import SqliteBackendConfig
from plugstack.storage.backends import StorageBackend, open_backend
from plugstack.storage.kv import NamespacedKV
from plugstack.storage.sql import ColumnType
from plugstack.storage.sqlite import SqliteBackend

THINGS = {"id": ColumnType.TEXT, "n": ColumnType.INTEGER, "x": ColumnType.REAL, "data": ColumnType.JSON}


async def test_kv_roundtrip_prefixes_and_namespaces(storage_backend: StorageBackend) -> None:
    a, b = NamespacedKV(storage_backend, "a"), NamespacedKV(storage_backend, "b")
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


async def test_kv_keys_sort_by_code_point_and_prefixes_are_exact(storage_backend: StorageBackend) -> None:
    keys = ["p/B", "p/a", "p/a-b", "p/a_b", "p/ab", "p/é", "p/Z", "p/10", "p/9", "p/\U0001f600", "q/a", "p"]
    for key in keys:
        await storage_backend.set(key, key.upper())
    under = sorted(key for key in keys if key.startswith("p/"))  # Python sorts by code point
    assert [key for key, _ in await storage_backend.items("p/")] == under
    assert [key for key, _ in await storage_backend.items("p/a")] == ["p/a", "p/a-b", "p/a_b", "p/ab"]
    assert await storage_backend.items("p/a%") == [] and await storage_backend.items("p/_") == []


async def test_kv_values_keep_every_character(storage_backend: StorageBackend) -> None:
    value = '{"quote": "\\"", "newline": "\\n"}\n\ttabs, ünïcode, emoji \U0001f600, backslash \\ and 100%'
    await storage_backend.set("k", value)
    assert await storage_backend.get("k") == value


async def test_sql_tables_with_json_columns(storage_backend: StorageBackend) -> None:
    db = storage_backend
    await db.create_table("things", THINGS, "id")
    await db.insert("things", {"id": "a", "n": 1, "x": 0.5, "data": {"k": [1, 2], "a": None}})
    await db.insert("things", {"id": "b", "n": 2, "data": None})
    await db.insert("things", {"id": "c", "n": 2, "data": "text"})
    assert await db.fetch_one("things", {"id": "a"}) == {"id": "a", "n": 1, "x": 0.5, "data": {"k": [1, 2], "a": None}}
    assert [r["id"] for r in await db.fetch_all("things", {"n": 2}, order_by="id")] == ["b", "c"]
    assert [r["id"] for r in await db.fetch_all("things", order_by="id", limit=1, offset=1)] == ["b"]
    assert [r["id"] for r in await db.fetch_all("things", order_by="id", offset=2)] == ["c"]
    assert await db.update("things", {"data": [3]}, {"id": "b"}) == 1
    assert (await db.fetch_one("things", {"id": "b"}))["data"] == [3]  # type: ignore[index]
    assert (await db.fetch_one("things", {"id": "c"}))["data"] == "text"  # type: ignore[index]
    assert await db.delete("things", {"n": 2}) == 2
    assert await db.fetch_one("things", {"id": "c"}) is None


async def test_json_keeps_key_order_and_values(storage_backend: StorageBackend) -> None:
    await storage_backend.create_table("things", THINGS, "id")
    data = {"z": 1, "a": {"y": [1.5, "two", None, True], "b": False}, "m": "ünï\U0001f600"}
    await storage_backend.insert("things", {"id": "a", "data": data})
    stored = (await storage_backend.fetch_one("things", {"id": "a"}))["data"]  # type: ignore[index]
    assert stored == data and list(stored) == ["z", "a", "m"] and list(stored["a"]) == ["y", "b"]


async def test_update_is_a_compare_and_set_and_counts_rows(storage_backend: StorageBackend) -> None:
    await storage_backend.create_table("jobs", {"id": ColumnType.TEXT, "status": ColumnType.TEXT}, "id")
    await storage_backend.insert("jobs", {"id": "j", "status": "running"})
    assert await storage_backend.update("jobs", {"status": "done"}, {"id": "j", "status": "running"}) == 1
    assert await storage_backend.update("jobs", {"status": "failed"}, {"id": "j", "status": "running"}) == 0
    assert await storage_backend.update("jobs", {"status": "x"}, {"id": "nope"}) == 0
    assert (await storage_backend.fetch_one("jobs", {"id": "j"}))["status"] == "done"  # type: ignore[index]


async def test_integers_are_64_bit_and_booleans_store_as_integers(storage_backend: StorageBackend) -> None:
    await storage_backend.create_table("things", THINGS, "id")
    await storage_backend.insert("things", {"id": "big", "n": 2**62, "x": 1e300})
    await storage_backend.insert("things", {"id": "flag", "n": True})
    assert (await storage_backend.fetch_one("things", {"id": "big"})) == {
        "id": "big",
        "n": 2**62,
        "x": 1e300,
        "data": None,
    }
    assert (await storage_backend.fetch_one("things", {"n": 1}))["id"] == "flag"  # type: ignore[index]


async def test_ordering_is_by_code_point_for_cursors(storage_backend: StorageBackend) -> None:
    await storage_backend.create_table("things", THINGS, "id")
    ids = ["file-B", "file-a", "file_a", "file-ä", "file-10", "file-9"]
    for identifier in ids:
        await storage_backend.insert("things", {"id": identifier})
    assert [r["id"] for r in await storage_backend.fetch_all("things", order_by="id")] == sorted(ids)
    page = await storage_backend.fetch_all("things", order_by="id", limit=2, offset=2)
    assert [r["id"] for r in page] == sorted(ids)[2:4]


async def test_create_table_twice_and_with_new_columns(storage_backend: StorageBackend) -> None:
    await storage_backend.create_table("things", {"id": ColumnType.TEXT, "n": ColumnType.INTEGER}, "id")
    await storage_backend.insert("things", {"id": "old", "n": 1})
    await storage_backend.create_table("things", THINGS, "id")  # a newer plugstack adds columns
    await storage_backend.insert("things", {"id": "new", "n": 2, "data": {"k": 1}})
    rows = await storage_backend.fetch_all("things", order_by="id")
    assert rows == [{"id": "new", "n": 2, "x": None, "data": {"k": 1}}, {"id": "old", "n": 1, "x": None, "data": None}]


async def test_identifiers_and_json_filters_are_refused(storage_backend: StorageBackend) -> None:
    await storage_backend.create_table("things", THINGS, "id")
    with pytest.raises(ValueError, match="not a valid SQL identifier"):
        await storage_backend.fetch_all("things; DROP TABLE kv")
    with pytest.raises(ValueError, match="not a valid SQL identifier"):
        await storage_backend.fetch_all("things", order_by="id DESC")
    with pytest.raises(ValueError, match="cannot filter things on JSON column"):
        await storage_backend.fetch_all("things", {"data": {"k": 1}})


async def test_sqlite_state_survives_reopening_with_wal_and_busy_timeout(tmp_path: Path) -> None:
    backend = await open_backend("default", SqliteBackendConfig(path="state.db"), tmp_path)
    await backend.set("k", "v")
    await backend.aclose()
    reopened = SqliteBackend(tmp_path / "state.db")
    assert await reopened.get("k") == "v"
    assert (await reopened._fetch(("PRAGMA journal_mode", ())))[1] == [("wal",)]
    assert (await reopened._fetch(("PRAGMA busy_timeout", ())))[1] == [(5000,)]
