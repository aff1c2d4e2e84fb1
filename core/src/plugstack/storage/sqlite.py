"""SQLite backend: one file, WAL journal, busy_timeout; implements KVStore and SqlStore.

Statements are sub-millisecond local calls, run under a lock on one shared connection.
"""

import json
import re
import sqlite3
import threading
from pathlib import Path
from typing import Any

from plugstack.storage.sql import ColumnType, Row

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
BUSY_TIMEOUT_MS = 5000


def _name(identifier: str) -> str:
    if not _IDENTIFIER.match(identifier):
        raise ValueError(f"not a valid SQL identifier: {identifier!r}")
    return identifier


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
        self._json_columns: dict[str, set[str]] = {}

    def _run(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._conn.execute(sql, params)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

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
        parts = []
        for column, kind in columns.items():
            sql_type = "TEXT" if kind == ColumnType.JSON else kind.value
            suffix = " PRIMARY KEY" if column == primary_key else ""
            parts.append(f"{_name(column)} {sql_type}{suffix}")
        self._run(f"CREATE TABLE IF NOT EXISTS {_name(table)} ({', '.join(parts)})")
        self._json_columns[table] = {c for c, kind in columns.items() if kind == ColumnType.JSON}

    def _encode(self, table: str, row: Row) -> Row:
        json_columns = self._json_columns.get(table, set())
        return {k: json.dumps(v) if k in json_columns and v is not None else v for k, v in row.items()}

    def _decode(self, table: str, row: sqlite3.Row | tuple[Any, ...], names: list[str]) -> Row:
        json_columns = self._json_columns.get(table, set())
        return {
            name: json.loads(value) if name in json_columns and value is not None else value
            for name, value in zip(names, row, strict=True)
        }

    @staticmethod
    def _where(where: Row | None) -> tuple[str, tuple[Any, ...]]:
        if not where:
            return "", ()
        clause = " AND ".join(f"{_name(column)} = ?" for column in where)
        return f" WHERE {clause}", tuple(where.values())

    async def insert(self, table: str, row: Row) -> None:
        encoded = self._encode(table, row)
        columns = ", ".join(_name(c) for c in encoded)
        marks = ", ".join("?" for _ in encoded)
        self._run(f"INSERT INTO {_name(table)} ({columns}) VALUES ({marks})", tuple(encoded.values()))

    async def update(self, table: str, values: Row, where: Row) -> int:
        encoded = self._encode(table, values)
        assignments = ", ".join(f"{_name(c)} = ?" for c in encoded)
        clause, params = self._where(where)
        cursor = self._run(f"UPDATE {_name(table)} SET {assignments}{clause}", (*encoded.values(), *params))
        return cursor.rowcount

    async def fetch_all(
        self,
        table: str,
        where: Row | None = None,
        order_by: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Row]:
        clause, params = self._where(where)
        sql = f"SELECT * FROM {_name(table)}{clause}"
        if order_by:
            sql += f" ORDER BY {_name(order_by)}"
        if limit is not None or offset:
            sql += " LIMIT ? OFFSET ?"
            params = (*params, -1 if limit is None else limit, offset)
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
        clause, params = self._where(where)
        return self._run(f"DELETE FROM {_name(table)}{clause}", params).rowcount
