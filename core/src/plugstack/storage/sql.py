"""The table interface for structured state (jobs, logs). Callers never write SQL, so a
PostgreSQL backend can implement it without touching them."""

from enum import StrEnum
from typing import Any, Protocol

Row = dict[str, Any]


class ColumnType(StrEnum):
    TEXT = "TEXT"
    INTEGER = "INTEGER"
    REAL = "REAL"
    JSON = "JSON"  # any JSON-serialisable value, decoded on read


class SqlStore(Protocol):
    async def create_table(self, table: str, columns: dict[str, ColumnType], primary_key: str | None) -> None: ...

    async def insert(self, table: str, row: Row) -> None: ...

    async def update(self, table: str, values: Row, where: Row) -> int: ...

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
