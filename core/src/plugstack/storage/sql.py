"""The table interface for structured state (jobs, logs). Callers never write SQL, so every
backend (SQLite, PostgreSQL) implements it without touching them."""

from enum import StrEnum
from typing import Any, Protocol

Row = dict[str, Any]


class ColumnType(StrEnum):
    TEXT = "TEXT"  # ordered by code point on every backend
    INTEGER = "INTEGER"  # 64-bit
    REAL = "REAL"  # double precision
    JSON = "JSON"  # any JSON-serialisable value, decoded on read; cannot be filtered on


class SqlStore(Protocol):
    async def create_table(self, table: str, columns: dict[str, ColumnType], primary_key: str | None) -> None:
        """Create the table, or add the columns an existing one lacks (a newer plugstack's)."""
        ...

    async def insert(self, table: str, row: Row) -> None: ...

    async def update(self, table: str, values: Row, where: Row) -> int:
        """Rows changed. ``where`` is equality on every column named (so a compare-and-set)."""
        ...

    async def fetch_all(
        self,
        table: str,
        where: Row | None = None,
        order_by: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Row]: ...

    async def fetch_one(self, table: str, where: Row) -> Row | None: ...

    async def delete(self, table: str, where: Row) -> int: ...
