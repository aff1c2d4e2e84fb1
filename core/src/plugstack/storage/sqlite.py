"""SQLite backend: one file, WAL journal, busy_timeout; implements KVStore and SqlStore.

Statements are sub-millisecond local calls, run under a lock on one shared connection.
"""

import sqlite3
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from plugstack.storage import statements
from plugstack.storage.sql import ColumnType
from plugstack.storage.sql_backend import SchemaRunner, SqlBackend
from plugstack.storage.statements import Dialect, Statement

BUSY_TIMEOUT_MS = 5000
DIALECT = Dialect(
    mark="?",
    types={ColumnType.TEXT: "TEXT", ColumnType.INTEGER: "INTEGER", ColumnType.REAL: "REAL", ColumnType.JSON: "TEXT"},
    no_limit=-1,
    columns_query="SELECT name FROM pragma_table_info(?)",
)


class SqliteBackend(SqlBackend):
    dialect = DIALECT

    def __init__(self, path: Path) -> None:
        super().__init__()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute(statements.kv_table(DIALECT))
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    async def aclose(self) -> None:
        self.close()

    async def _execute(self, statement: Statement) -> int:
        with self._lock:
            return self._conn.execute(*statement).rowcount

    async def _fetch(self, statement: Statement) -> tuple[list[str], list[tuple[Any, ...]]]:
        with self._lock:
            cursor = self._conn.execute(*statement)
            return [d[0] for d in cursor.description], cursor.fetchall()

    @asynccontextmanager
    async def _schema_change(self) -> AsyncIterator[SchemaRunner]:
        """The connection's lock, held throughout: nothing else runs on it meanwhile."""

        async def run(statement: Statement) -> list[tuple[Any, ...]]:
            return self._conn.execute(*statement).fetchall()

        with self._lock:
            yield run
