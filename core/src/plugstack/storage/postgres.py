"""PostgreSQL backend: psycopg 3 over an async connection pool; implements KVStore and SqlStore.

What differs from SQLite stays here: ``%s`` placeholders, BIGINT/DOUBLE PRECISION/JSON column
types, ``COLLATE "C"`` on text so keys and ids sort by code point as they do in SQLite (prefix
scans and cursors rely on it), and an advisory lock around DDL, because two servers starting
at once would otherwise race in ``CREATE TABLE IF NOT EXISTS``. Several servers may share one
database: every call is its own autocommitted statement.
"""

from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.types.json import Json
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from plugstack.config.schema import PostgresBackendConfig
from plugstack.storage import statements
from plugstack.storage.sql import ColumnType, Row
from plugstack.storage.statements import Dialect, TableColumns

DIALECT = Dialect(
    mark="%s",
    types={
        ColumnType.TEXT: 'TEXT COLLATE "C"',
        ColumnType.INTEGER: "BIGINT",
        ColumnType.REAL: "DOUBLE PRECISION",
        ColumnType.JSON: "JSON",  # JSON, not JSONB: keeps the keys' order as written
    },
    no_limit=None,
)
DDL_LOCK = 0x706C7567  # advisory lock id ("plug") taken around schema changes
# what opening raises when the database cannot be reached or refuses us
CONNECT_ERRORS = (psycopg.Error, PoolTimeout, TimeoutError)
KV_TABLE = 'CREATE TABLE IF NOT EXISTS kv (key TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL)'


class PostgresBackend:
    """Open with ``await PostgresBackend.open(config)``."""

    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool
        self._columns = TableColumns()

    @classmethod
    async def open(cls, config: PostgresBackendConfig) -> "PostgresBackend":
        """Connect once first, so a failure raises libpq's or the server's own reason (refused, bad
        password, no such database: one of ``CONNECT_ERRORS``), then open the pool."""
        conninfo = conninfo_of(config)
        timeout_s = config.connect_timeout_s
        first = await psycopg.AsyncConnection.connect(conninfo, connect_timeout=max(2, int(timeout_s)))
        async with first as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (DDL_LOCK,))
            await conn.execute(KV_TABLE)
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

    async def _execute(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        async with self._pool.connection() as conn:
            cursor = await conn.execute(sql, params)
            return cursor.rowcount

    async def _fetch(self, sql: str, params: tuple[Any, ...] = ()) -> tuple[list[str], list[tuple[Any, ...]]]:
        async with self._pool.connection() as conn:
            cursor = await conn.execute(sql, params)
            names = [d.name for d in cursor.description or ()]
            return names, await cursor.fetchall()

    # KVStore
    async def get(self, key: str) -> str | None:
        _, rows = await self._fetch("SELECT value FROM kv WHERE key = %s", (key,))
        return rows[0][0] if rows else None

    async def set(self, key: str, value: str) -> None:
        await self._execute(
            "INSERT INTO kv (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            (key, value),
        )

    async def items(self, prefix: str = "") -> list[tuple[str, str]]:
        upper = prefix + "\U0010ffff"
        _, rows = await self._fetch(
            "SELECT key, value FROM kv WHERE key >= %s AND key < %s ORDER BY key", (prefix, upper)
        )
        return [(key, value) for key, value in rows]

    # SqlStore
    async def create_table(self, table: str, columns: dict[str, ColumnType], primary_key: str | None) -> None:
        async with self._pool.connection() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (DDL_LOCK,))
            await conn.execute(statements.create_table(DIALECT, table, columns, primary_key))
            cursor = await conn.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = %s",
                (table,),
            )
            existing = {row[0] for row in await cursor.fetchall()}
            for column, kind in columns.items():
                if column not in existing:
                    await conn.execute(statements.add_column(DIALECT, table, column, kind))
        self._columns.declare(table, columns)

    def _encode(self, table: str, row: Row) -> Row:
        """JSON values wrapped for psycopg; booleans stored as integers, as SQLite does."""
        encoded = {}
        for column, value in row.items():
            kind = self._columns.kind(table, column)
            if kind == ColumnType.JSON and value is not None:
                value = Json(value)
            elif kind == ColumnType.INTEGER and isinstance(value, bool):
                value = int(value)
            encoded[column] = value
        return encoded

    async def insert(self, table: str, row: Row) -> None:
        await self._execute(*statements.insert(DIALECT, table, self._encode(table, row)))

    async def update(self, table: str, values: Row, where: Row) -> int:
        self._columns.check_filter(table, where)
        return await self._execute(*statements.update(DIALECT, table, self._encode(table, values), where))

    async def fetch_all(
        self,
        table: str,
        where: Row | None = None,
        order_by: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Row]:
        self._columns.check_filter(table, where)
        names, rows = await self._fetch(*statements.select(DIALECT, table, where, order_by, limit, offset))
        return [dict(zip(names, row, strict=True)) for row in rows]

    async def fetch_one(self, table: str, where: Row) -> Row | None:
        rows = await self.fetch_all(table, where, limit=1)
        return rows[0] if rows else None

    async def delete(self, table: str, where: Row | None = None) -> int:
        """KVStore's ``delete(key)`` when called with a key alone, else SqlStore's (as in SQLite)."""
        if where is None:
            return await self._execute("DELETE FROM kv WHERE key = %s", (table,))
        self._columns.check_filter(table, where)
        return await self._execute(*statements.delete(DIALECT, table, where))


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
