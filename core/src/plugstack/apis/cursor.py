"""Ids that sort in creation order, and the cursor paging of OpenAI-style list routes.

An id carries its creation time (milliseconds, 12 hex digits) ahead of 20 random hex digits,
so sorting by id is sorting by age, and an ``after`` cursor still places the page when the
object it names has been deleted since.
"""

import secrets
import time
from collections.abc import Callable, Sequence
from typing import Literal, TypeVar

T = TypeVar("T")

_last_tick = 0


def sortable_id(prefix: str, now: float | None = None) -> str:
    """``prefix`` + a new id, later than every id this process made before (two in one
    millisecond get consecutive ticks, so they still sort in creation order)."""
    global _last_tick
    _last_tick = max(_last_tick + 1, int((time.time() if now is None else now) * 1000))
    return f"{prefix}{_last_tick:012x}{secrets.token_hex(10)}"


def page(
    entries: Sequence[T],
    key: Callable[[T], str],
    after: str | None,
    limit: int,
    order: Literal["asc", "desc"],
    before: str | None = None,
) -> tuple[list[T], bool]:
    """(the page, whether more follow) of ``entries`` given oldest first. A cursor that names an
    entry pages from it; one that names none (deleted since) compares as an id."""
    chosen = list(reversed(entries)) if order == "desc" else list(entries)
    keys = [key(entry) for entry in chosen]
    if after is not None:
        if after in keys:
            chosen = chosen[keys.index(after) + 1 :]
        else:
            chosen = [e for e in chosen if (key(e) < after if order == "desc" else key(e) > after)]
        keys = [key(entry) for entry in chosen]
    if before is not None:
        if before in keys:
            chosen = chosen[: keys.index(before)]
        else:
            chosen = [e for e in chosen if (key(e) > before if order == "desc" else key(e) < before)]
    return chosen[:limit], len(chosen) > limit
