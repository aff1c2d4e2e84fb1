"""Attribute filters as SQL over the chunks table's JSON ``attributes`` column.

A comparison reads ``json_extract(attributes, '$."key"')``: a missing key is NULL, which no
comparison (``ne`` included) matches. JSON booleans read as 1 and 0, and bools bind as such.
"""

from typing import Any

from plugstack.apis.vector_io.filters import ComparisonFilter, CompoundFilter, Filter

_OPERATORS = {"eq": "=", "ne": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def _path(key: str) -> str:
    return '$."' + key.replace('"', '\\"') + '"'


def where(filters: Filter, column: str) -> tuple[str, list[Any]]:
    """A SQL condition on ``column`` (a JSON object) and its parameters."""
    if isinstance(filters, ComparisonFilter):
        value = int(filters.value) if isinstance(filters.value, bool) else filters.value
        return f"json_extract({column}, ?) {_OPERATORS[filters.type]} ?", [_path(filters.key), value]
    assert isinstance(filters, CompoundFilter)
    parts = [where(inner, column) for inner in filters.filters]
    joiner = " AND " if filters.type == "and" else " OR "
    return "(" + joiner.join(sql for sql, _ in parts) + ")", [param for _, params in parts for param in params]
