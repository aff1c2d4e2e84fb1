"""PostgreSQL backend: psycopg 3 over an async connection pool; implements KVStore and SqlStore.

What differs from SQLite stays here: ``%s`` placeholders, BIGINT/DOUBLE PRECISION/JSON column
types, ``COLLATE "C"`` on text so keys and ids sort by code point as they do in SQLite (prefix
scans and cursors rely on it), and an advisory lock around DDL, because two servers starting
at once would otherwise race in ``CREATE TABLE IF NOT EXISTS``. Several servers may share one
database: every call is its own autocommitted statement.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.types.json import Json
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from plugstack.config.schema import PostgresBackendConfig
from plugstack.storage import statements
from plugstack.storage.sql import ColumnType
from plugstack.storage.sql_backend import SchemaRunner, SqlBackend
from plugstack.storage.statements import Dialect, Statement

DIALECT = Dialect(
    mark="%s",
    types={
        ColumnType.TEXT: 'TEXT COLLATE "C"',
        ColumnType.INTEGER: "BIGINT",
        ColumnType.REAL: "DOUBLE PRECISION",
        ColumnType.JSON: "JSON",  # JSON, not JSONB: keeps the keys' order as written
    },
    no_limit=None,
    columns_query="SELECT column_name FROM information_schema.columns "
    "WHERE table_schema = current_schema() AND table_name = %s",
)
DDL_LOCK = 0x706C7567  # advisory lock id ("plug") taken around schema changes
# what opening raises when the database cannot be reached or refuses us
CONNECT_ERRORS = (psycopg.Error, PoolTimeout, TimeoutError)


class PostgresBackend(SqlBackend):
    """Open with ``await PostgresBackend.open(config)``."""

    dialect = DIALECT

    def __init__(self, pool: AsyncConnectionPool) -> None:
        super().__init__()
        self._pool = pool

    @classmethod
    async def open(cls, config: PostgresBackendConfig) -> "PostgresBackend":
        """Connect once first, so a failure raises libpq's or the server's own reason (refused, bad
        password, no such database: one of ``CONNECT_ERRORS``), then open the pool."""
        conninfo = conninfo_of(config)
        timeout_s = config.connect_timeout_s
        first = await psycopg.AsyncConnection.connect(conninfo, connect_timeout=max(2, int(timeout_s)))
        async with first as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (DDL_LOCK,))
            await conn.execute(statements.kv_table(DIALECT))
        pool = AsyncConnectionPool(
            conninfo,
            min_size=config.pool_min_size,
            max_size=config.pool_max_size,
            timeout=timeout_s,
            kwargs={"autocommit": True},
            open=False,
        )
        await pool.open(wait=True, timeout=timeout_s)
        return cls(pool)

    async def aclose(self) -> None:
        await self._pool.close()

    async def _execute(self, statement: Statement) -> int:
        async with self._pool.connection() as conn:
            cursor = await conn.execute(*statement)
            return cursor.rowcount

    async def _fetch(self, statement: Statement) -> tuple[list[str], list[tuple[Any, ...]]]:
        async with self._pool.connection() as conn:
            cursor = await conn.execute(*statement)
            names = [d.name for d in cursor.description or ()]
            return names, await cursor.fetchall()

    @asynccontextmanager
    async def _schema_change(self) -> AsyncIterator[SchemaRunner]:
        """One transaction under the advisory lock: servers starting together take turns."""
        async with self._pool.connection() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (DDL_LOCK,))

            async def run(statement: Statement) -> list[tuple[Any, ...]]:
                cursor = await conn.execute(*statement)
                return await cursor.fetchall() if cursor.description else []

            yield run

    def _json_in(self, value: Any) -> Any:
        return Json(value)

    def _json_out(self, value: Any) -> Any:
        """psycopg decodes JSON columns itself."""
        return value


def conninfo_of(config: PostgresBackendConfig) -> str:
    """The libpq connection string (``psycopg.ProgrammingError`` for a malformed DSN)."""
    if config.dsn is not None:
        return make_conninfo(config.dsn.get_secret_value())
    password = config.password.get_secret_value() if config.password else None
    parts = {"host": config.host, "port": config.port, "dbname": config.db, "user": config.user, "password": password}
    return make_conninfo(**{key: value for key, value in parts.items() if value is not None})


def describe(config: PostgresBackendConfig) -> str:
    """Where the database is, for messages: host, port and database, never credentials."""
    if config.dsn is None:
        return f"{config.host}:{config.port}/{config.db}"
    try:
        parts = conninfo_to_dict(config.dsn.get_secret_value())
    except psycopg.Error:
        return "malformed dsn"
    return f"{parts.get('host', 'default host')}:{parts.get('port', 5432)}/{parts.get('dbname', 'default database')}"
