"""Cursor paging of stores, files and batches (`plugstack.apis.cursor` makes the ids and pages)."""

from collections.abc import Callable, Iterable
from typing import TypeVar

from plugstack.apis.cursor import page as cursor_page
from plugstack.apis.cursor import sortable_id
from plugstack.apis.vector_io.models import ListParams

Item = TypeVar("Item")


def new_id(prefix: str) -> str:
    """A new id, later than every id this process made before (``vs_...``, ``vsfb_...``)."""
    return sortable_id(prefix)


def page(items: Iterable[Item], params: ListParams, key: Callable[[Item], str]) -> tuple[list[Item], bool]:
    """The page of ``items`` that ``params`` asks for, and whether more follow it."""
    return cursor_page(sorted(items, key=key), key, params.after, params.limit, params.order, params.before)
