"""KVStore and SqlStore written once over a database driver.

A backend (SQLite, PostgreSQL) subclasses ``SqlBackend`` and supplies only what its driver and
dialect decide: how a statement runs, how a schema change is serialised, how JSON values cross
the driver. The statements themselves come from ``statements`` and the backend's ``Dialect``.
"""

import json
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from plugstack.storage import statements
from plugstack.storage.sql import ColumnType, Row
from plugstack.storage.statements import Dialect, Statement, TableColumns

# runs one statement inside a schema change and returns its rows
SchemaRunner = Callable[[Statement], Awaitable[list[tuple[Any, ...]]]]


class SqlBackend(ABC):
    dialect: Dialect

    def __init__(self) -> None:
        self._columns = TableColumns()

    @abstractmethod
    async def _execute(self, statement: Statement) -> int:
        """Run one autocommitted statement; the number of rows it changed."""

    @abstractmethod
    async def _fetch(self, statement: Statement) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run one query; its column names and rows."""

    @abstractmethod
    def _schema_change(self) -> AbstractAsyncContextManager[SchemaRunner]:
        """A block in which no other connection (or server) changes the schema at the same time."""

    def _json_in(self, value: Any) -> Any:
        """A JSON column's value as the driver takes it."""
        return json.dumps(value)

    def _json_out(self, value: Any) -> Any:
        """A JSON column's value as the driver returns it, decoded."""
        return json.loads(value)

    # KVStore
    async def get(self, key: str) -> str | None:
        _, rows = await self._fetch(statements.kv_get(self.dialect, key))
        return rows[0][0] if rows else None

    async def set(self, key: str, value: str) -> None:
        await self._execute(statements.kv_set(self.dialect, key, value))

    async def items(self, prefix: str = "") -> list[tuple[str, str]]:
        _, rows = await self._fetch(statements.kv_items(self.dialect, prefix))
        return [(key, value) for key, value in rows]

    # SqlStore
    async def create_table(self, table: str, columns: dict[str, ColumnType], primary_key: str | None) -> None:
        async with self._schema_change() as run:
            await run((statements.create_table(self.dialect, table, columns, primary_key), ()))
            existing = {row[0] for row in await run(statements.column_names(self.dialect, table))}
            for column, kind in columns.items():
                if column not in existing:
                    await run((statements.add_column(self.dialect, table, column, kind), ()))
        self._columns.declare(table, columns)

    def _encode(self, table: str, row: Row) -> Row:
        """JSON values as the driver takes them; booleans stored as integers on every backend."""
        encoded = {}
        for column, value in row.items():
            kind = self._columns.kind(table, column)
            if kind == ColumnType.JSON and value is not None:
                value = self._json_in(value)
            elif kind == ColumnType.INTEGER and isinstance(value, bool):
                value = int(value)
            encoded[column] = value
        return encoded

    def _decode(self, table: str, names: list[str], row: tuple[Any, ...]) -> Row:
        json_columns = self._columns.json_columns(table)
        return {
            name: self._json_out(value) if name in json_columns and value is not None else value
            for name, value in zip(names, row, strict=True)
        }

    async def insert(self, table: str, row: Row) -> None:
        await self._execute(statements.insert(self.dialect, table, self._encode(table, row)))

    async def update(self, table: str, values: Row, where: Row) -> int:
        self._columns.check_filter(table, where)
        return await self._execute(statements.update(self.dialect, table, self._encode(table, values), where))

    async def fetch_all(
        self,
        table: str,
        where: Row | None = None,
        order_by: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Row]:
        self._columns.check_filter(table, where)
        names, rows = await self._fetch(statements.select(self.dialect, table, where, order_by, limit, offset))
        return [self._decode(table, names, row) for row in rows]

    async def fetch_one(self, table: str, where: Row) -> Row | None:
        rows = await self.fetch_all(table, where, limit=1)
        return rows[0] if rows else None

    async def delete(self, table: str, where: Row | None = None) -> int:
        """Both interfaces name this `delete`: SqlStore's ``delete(table, where)``, and KVStore's
        ``delete(key)`` when called with a key alone (a second definition would shadow the first)."""
        if where is None:
            return await self._execute(statements.kv_delete(self.dialect, table))
        self._columns.check_filter(table, where)
        return await self._execute(statements.delete(self.dialect, table, where))
