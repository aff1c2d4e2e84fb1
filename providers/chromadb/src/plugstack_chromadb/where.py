"""Attribute filters as Chroma `where` clauses over the chunks' metadata.

A file's attributes are stored under ``attr.<key>`` and the list of their names under
``ps.keys``, so the engines agree: a chunk whose file lacks the key matches no comparison,
``ne`` included (Chroma's own ``$ne`` matches a missing key: it is paired with a presence
test). Chroma orders numbers only, so ``gt``/``gte``/``lt``/``lte`` with a string or boolean
value is a 400 here (the embedded engine compares those as SQLite does).
"""

from typing import Any

from plugstack.apis.vector_io.filters import ComparisonFilter, CompoundFilter, Filter
from plugstack.errors import BadRequestError

ATTRIBUTE = "attr."
KEYS = "ps.keys"
_ORDERINGS = ("gt", "gte", "lt", "lte")


def all_of(clauses: list[dict[str, Any]]) -> dict[str, Any]:
    """Every clause (Chroma wants ``$and`` over two or more)."""
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def any_of(clauses: list[dict[str, Any]]) -> dict[str, Any]:
    return clauses[0] if len(clauses) == 1 else {"$or": clauses}


def where(filters: Filter) -> dict[str, Any]:
    """The Chroma `where` clause that matches what ``filters`` matches."""
    if isinstance(filters, CompoundFilter):
        clauses = [where(inner) for inner in filters.filters]
        return all_of(clauses) if filters.type == "and" else any_of(clauses)
    assert isinstance(filters, ComparisonFilter)
    value = filters.value
    if filters.type in _ORDERINGS and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise BadRequestError(
            f"filters: {filters.type!r} on {filters.key!r} needs a number with remote::chromadb, got {value!r}"
        )
    comparison = {ATTRIBUTE + filters.key: {f"${filters.type}": value}}
    if filters.type == "ne":
        return all_of([comparison, {KEYS: {"$contains": filters.key}}])
    return comparison
