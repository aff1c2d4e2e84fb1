"""Checks of client-chosen ids and paths, so none can hide characters or escape a directory.

Ids are shown to people (logs, lists) and some become file or directory names. Control
characters, bidi overrides and other invisible code points make an id read as something it
is not; separators and ``..`` in one that becomes a path component walk out of the
directory it was meant for. A failed check is a 400 naming the field.
"""

import unicodedata
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator

from plugstack.errors import BadRequestError

# Unicode categories never allowed: control, format (bidi overrides, zero-width), surrogate,
# private use, unassigned, and the line/paragraph separators.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
MAX_COMPONENT_BYTES = 200


def printable_problem(value: str) -> str | None:
    """Why ``value`` is not printable text, or None when it is."""
    for position, char in enumerate(value):
        if unicodedata.category(char) in _HIDDEN_CATEGORIES:
            return f"character {position} (U+{ord(char):04X}) is a control or invisible character"
    return None


def path_component_problem(value: str) -> str | None:
    """Why ``value`` cannot be used as one file or directory name, or None when it can."""
    if problem := printable_problem(value):
        return problem
    if "/" in value or "\\" in value:
        return "it may not contain '/' or '\\'"
    if value.strip() in ("", ".", ".."):
        return f"{value!r} is not a name"
    if len(value.encode()) > MAX_COMPONENT_BYTES:
        return f"it is longer than {MAX_COMPONENT_BYTES} bytes"
    return None


def check_printable(value: str, field: str) -> str:
    if problem := printable_problem(value):
        raise BadRequestError(f"{field}: {problem}")
    return value


def _printable(value: str) -> str:
    if problem := printable_problem(value):
        raise ValueError(problem)
    return value


def _path_component(value: str) -> str:
    if problem := path_component_problem(value):
        raise ValueError(problem)
    return value


PrintableId = Annotated[str, AfterValidator(_printable)]
"""An id shown to people: printable text only (a 400 naming the field otherwise)."""

PathComponent = Annotated[str, AfterValidator(_path_component)]
"""An id that becomes a file or directory name: printable, no separators, not '.' or '..'."""


def confine(path: str | Path, roots: list[Path], field: str) -> Path:
    """``path`` resolved (``~`` and symlinks), if it lies under one of ``roots``; else a 400 naming ``field``."""
    text = str(path)
    check_printable(text, field)
    resolved = Path(text).expanduser().resolve()
    if not any(resolved.is_relative_to(root.expanduser().resolve()) for root in roots):
        raise BadRequestError(f"{field}: must lie under a directory this stack allows ({', '.join(map(str, roots))})")
    return resolved
