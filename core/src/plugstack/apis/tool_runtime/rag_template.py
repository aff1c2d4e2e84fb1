"""The RAG tool's ``chunk_template``: how each retrieved chunk is written into the tool's result.

The template is the client's, so it is never given to ``str.format`` with real objects (whose
attributes would reach ``__class__.__init__.__globals__``): only the fields below exist, each
a plain value, and a template naming any other is refused when the query config is read.
"""

import string
from collections.abc import Mapping, Sequence
from typing import Any

DEFAULT_CHUNK_TEMPLATE = "Result {index}\nContent: {chunk.content}\nMetadata: {metadata}\n"
FIELDS = ("index", "chunk.content", "chunk.chunk_id", "chunk.metadata", "metadata")
REQUIRED = ("{index}", "{chunk.content}")


class _Fields(string.Formatter):
    """Looks a field up by its whole name ('chunk.content') in the given values, and nowhere else."""

    def get_field(self, field_name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> tuple[Any, str]:
        if field_name not in kwargs:
            raise KeyError(field_name)
        return kwargs[field_name], field_name


_FORMATTER = _Fields()


def render(template: str, index: int, content: str, chunk_id: str, metadata: dict[str, Any]) -> str:
    """One chunk written by the template (``metadata`` is both ``{metadata}`` and ``{chunk.metadata}``)."""
    values = {
        "index": index,
        "chunk.content": content,
        "chunk.chunk_id": chunk_id,
        "chunk.metadata": metadata,
        "metadata": metadata,
    }
    return _FORMATTER.vformat(template, (), values)


def template_problem(template: str) -> str | None:
    """Why the template cannot be used, or None: it must hold {index} and {chunk.content} and
    name no other field than those in FIELDS."""
    missing = [field for field in REQUIRED if field not in template]
    if missing:
        return f"must contain {' and '.join(missing)}"
    try:
        render(template, 1, "text", "chunk-id", {"document_id": "doc"})
    except KeyError as exc:
        return f"unknown field {{{exc.args[0]}}}; the fields are " + ", ".join(f"{{{f}}}" for f in FIELDS)
    except (ValueError, IndexError, TypeError) as exc:
        return f"not a valid template: {exc}"
    return None
