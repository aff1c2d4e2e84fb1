"""SQLite backend: one file, WAL journal, busy_timeout; implements KVStore and SqlStore.

Statements are sub-millisecond local calls, run under a lock on one shared connection.
"""

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from plugstack.storage import statements
from plugstack.storage.sql import ColumnType, Row
from plugstack.storage.statements import Dialect, TableColumns

BUSY_TIMEOUT_MS = 5000
DIALECT = Dialect(
    mark="?",
    types={ColumnType.TEXT: "TEXT", ColumnType.INTEGER: "INTEGER", ColumnType.REAL: "REAL", ColumnType.JSON: "TEXT"},
    no_limit=-1,
)


class SqliteBackend:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self._lock = threading.Lock()
        self._columns = TableColumns()

    def _run(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._conn.execute(sql, params)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    async def aclose(self) -> None:
        self.close()

    # KVStore
    async def get(self, key: str) -> str | None:
        row = self._run("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    async def set(self, key: str, value: str) -> None:
        self._run(
            "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    async def items(self, prefix: str = "") -> list[tuple[str, str]]:
        upper = prefix + "\U0010ffff"
        rows = self._run("SELECT key, value FROM kv WHERE key >= ? AND key < ? ORDER BY key", (prefix, upper))
        return [(key, value) for key, value in rows.fetchall()]

    # SqlStore
    async def create_table(self, table: str, columns: dict[str, ColumnType], primary_key: str | None) -> None:
        with self._lock:
            self._conn.execute(statements.create_table(DIALECT, table, columns, primary_key))
            existing = {row[1] for row in self._conn.execute(f"PRAGMA table_info({statements.name(table)})")}
            for column, kind in columns.items():
                if column not in existing:
                    self._conn.execute(statements.add_column(DIALECT, table, column, kind))
        self._columns.declare(table, columns)

    def _encode(self, table: str, row: Row) -> Row:
        json_columns = self._columns.json_columns(table)
        return {k: json.dumps(v) if k in json_columns and v is not None else v for k, v in row.items()}

    def _decode(self, table: str, row: tuple[Any, ...], names: list[str]) -> Row:
        json_columns = self._columns.json_columns(table)
        return {
            name: json.loads(value) if name in json_columns and value is not None else value
            for name, value in zip(names, row, strict=True)
        }

    async def insert(self, table: str, row: Row) -> None:
        self._run(*statements.insert(DIALECT, table, self._encode(table, row)))

    async def update(self, table: str, values: Row, where: Row) -> int:
        self._columns.check_filter(table, where)
        return self._run(*statements.update(DIALECT, table, self._encode(table, values), where)).rowcount

    async def fetch_all(
        self,
        table: str,
        where: Row | None = None,
        order_by: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Row]:
        self._columns.check_filter(table, where)
        sql, params = statements.select(DIALECT, table, where, order_by, limit, offset)
        with self._lock:
            cursor = self._conn.execute(sql, params)
            names = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
        return [self._decode(table, row, names) for row in rows]

    async def fetch_one(self, table: str, where: Row) -> Row | None:
        rows = await self.fetch_all(table, where, limit=1)
        return rows[0] if rows else None

    async def delete(self, table: str, where: Row | None = None) -> int:
        """Both interfaces name this `delete`: SqlStore's ``delete(table, where)``, and KVStore's
        ``delete(key)`` when called with a key alone (a second definition would shadow the first)."""
        if where is None:
            return self._run("DELETE FROM kv WHERE key = ?", (table,)).rowcount
        self._columns.check_filter(table, where)
        return self._run(*statements.delete(DIALECT, table, where)).rowcount
