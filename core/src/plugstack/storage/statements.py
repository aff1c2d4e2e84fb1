"""SQL text for the KVStore and SqlStore operations, shared by every backend.

Callers never write SQL; the backends differ only in what a ``Dialect`` says (placeholder,
column types, how "no limit" is spelled, how a table's columns are listed), so the statements
themselves are written once.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from plugstack.storage.sql import ColumnType, Row

# lower case only: PostgreSQL folds unquoted names to lower case, and rows come back keyed by them
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")

Statement = tuple[str, tuple[Any, ...]]


@dataclass(frozen=True)
class Dialect:
    mark: str  # the parameter placeholder: "?" or "%s"
    types: Mapping[ColumnType, str]  # column type as declared in CREATE TABLE
    no_limit: int | None  # the LIMIT value meaning "all rows"
    columns_query: str  # the column names of the table bound to its one placeholder


def name(identifier: str) -> str:
    """``identifier``, once checked to be a plain SQL name (table and column names are never bound)."""
    if not _IDENTIFIER.match(identifier):
        raise ValueError(f"not a valid SQL identifier: {identifier!r}")
    return identifier


def column(dialect: Dialect, column_name: str, kind: ColumnType, primary_key: bool = False) -> str:
    return f"{name(column_name)} {dialect.types[kind]}{' PRIMARY KEY' if primary_key else ''}"


def create_table(dialect: Dialect, table: str, columns: dict[str, ColumnType], primary_key: str | None) -> str:
    parts = ", ".join(column(dialect, c, kind, c == primary_key) for c, kind in columns.items())
    return f"CREATE TABLE IF NOT EXISTS {name(table)} ({parts})"


def add_column(dialect: Dialect, table: str, column_name: str, kind: ColumnType) -> str:
    return f"ALTER TABLE {name(table)} ADD COLUMN {column(dialect, column_name, kind)}"


def column_names(dialect: Dialect, table: str) -> Statement:
    return dialect.columns_query, (table,)


def kv_table(dialect: Dialect) -> str:
    return f"CREATE TABLE IF NOT EXISTS kv (key {dialect.types[ColumnType.TEXT]} PRIMARY KEY, value TEXT NOT NULL)"


def kv_get(dialect: Dialect, key: str) -> Statement:
    return f"SELECT value FROM kv WHERE key = {dialect.mark}", (key,)


def kv_set(dialect: Dialect, key: str, value: str) -> Statement:
    sql = f"INSERT INTO kv (key, value) VALUES ({dialect.mark}, {dialect.mark}) "
    return sql + "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", (key, value)


def kv_items(dialect: Dialect, prefix: str) -> Statement:
    """Pairs whose key starts with ``prefix``, as a range scan (keys sort by code point)."""
    sql = f"SELECT key, value FROM kv WHERE key >= {dialect.mark} AND key < {dialect.mark} ORDER BY key"
    return sql, (prefix, prefix + "\U0010ffff")


def kv_delete(dialect: Dialect, key: str) -> Statement:
    return f"DELETE FROM kv WHERE key = {dialect.mark}", (key,)


def where(dialect: Dialect, conditions: Row | None) -> Statement:
    if not conditions:
        return "", ()
    clause = " AND ".join(f"{name(c)} = {dialect.mark}" for c in conditions)
    return f" WHERE {clause}", tuple(conditions.values())


def insert(dialect: Dialect, table: str, row: Row) -> Statement:
    columns = ", ".join(name(c) for c in row)
    marks = ", ".join(dialect.mark for _ in row)
    return f"INSERT INTO {name(table)} ({columns}) VALUES ({marks})", tuple(row.values())


def update(dialect: Dialect, table: str, values: Row, conditions: Row) -> Statement:
    assignments = ", ".join(f"{name(c)} = {dialect.mark}" for c in values)
    clause, params = where(dialect, conditions)
    return f"UPDATE {name(table)} SET {assignments}{clause}", (*values.values(), *params)


def select(
    dialect: Dialect, table: str, conditions: Row | None, order_by: str | None, limit: int | None, offset: int
) -> Statement:
    clause, params = where(dialect, conditions)
    sql = f"SELECT * FROM {name(table)}{clause}"
    if order_by:
        sql += f" ORDER BY {name(order_by)}"
    if limit is not None or offset:
        sql += f" LIMIT {dialect.mark} OFFSET {dialect.mark}"
        params = (*params, dialect.no_limit if limit is None else limit, offset)
    return sql, params


def delete(dialect: Dialect, table: str, conditions: Row) -> Statement:
    clause, params = where(dialect, conditions)
    return f"DELETE FROM {name(table)}{clause}", params


class TableColumns:
    """The declared columns of each table, so values are encoded and filters checked per column."""

    def __init__(self) -> None:
        self._tables: dict[str, dict[str, ColumnType]] = {}

    def declare(self, table: str, columns: dict[str, ColumnType]) -> None:
        self._tables[table] = dict(columns)

    def json_columns(self, table: str) -> set[str]:
        return {c for c, kind in self._tables.get(table, {}).items() if kind == ColumnType.JSON}

    def check_filter(self, table: str, conditions: Row | None) -> None:
        """Equality on a JSON column means different things per database: refused everywhere."""
        if conditions and (bad := self.json_columns(table) & set(conditions)):
            raise ValueError(f"cannot filter {table} on JSON column(s) {', '.join(sorted(bad))}")

    def kind(self, table: str, column_name: str) -> ColumnType | None:
        return self._tables.get(table, {}).get(column_name)
