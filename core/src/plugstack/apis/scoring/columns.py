"""The columns scoring and eval read from a row, under either naming in use.

Datasets registered for an eval purpose have ``question``/``answer`` or ``messages``/``answer``;
rows written for Llama Stack's evals have ``input_query``, ``expected_answer``,
``generated_answer`` and ``chat_completion_input`` (a JSON string of messages). Both work
everywhere, and a missing column is one 400 that names it and what would have served.
"""

import json
from typing import Any

from pydantic import TypeAdapter, ValidationError

from plugstack.apis.inference.models import ChatMessage
from plugstack.apis.scoring.models import Row
from plugstack.errors import BadRequestError

ALIASES: dict[str, tuple[str, ...]] = {
    "input_query": ("input_query", "question"),
    "expected_answer": ("expected_answer", "answer"),
    "generated_answer": ("generated_answer",),
}
MESSAGE_COLUMNS = ("chat_completion_input", "messages")
_MESSAGES = TypeAdapter(list[ChatMessage])


def missing(column: str, index: int, needed_by: str, accepted: tuple[str, ...]) -> BadRequestError:
    others = [name for name in accepted if name != column]
    alternatives = f" (nor {', '.join(repr(name) for name in others)})" if others else ""
    return BadRequestError(f"row {index} has no {column!r} column{alternatives}, which {needed_by} needs")


def value(row: Row, column: str, index: int, needed_by: str) -> Any:
    """The row's value for ``column`` (one of ALIASES), or a 400 naming the column."""
    for name in ALIASES[column]:
        if row.get(name) is not None:
            return row[name]
    if column == "input_query":
        messages = input_messages(row, index, needed_by, required=False)
        users = [message.text() for message in messages or [] if message.role == "user"]
        if users:
            return users[-1]
        raise missing(column, index, needed_by, (*ALIASES[column], *MESSAGE_COLUMNS))
    raise missing(column, index, needed_by, ALIASES[column])


def text(row: Row, column: str, index: int, needed_by: str) -> str:
    """A column's value as text: strings as they are, anything else as JSON."""
    found = value(row, column, index, needed_by)
    return found if isinstance(found, str) else json.dumps(found)


def input_messages(row: Row, index: int, needed_by: str, required: bool = True) -> list[ChatMessage] | None:
    """The chat a candidate answers: the row's messages, or its question as one user message."""
    for name in MESSAGE_COLUMNS:
        raw = row.get(name)
        if raw is None:
            continue
        try:
            parsed = json.loads(raw) if isinstance(raw, str) else raw
            messages = _MESSAGES.validate_python(parsed)
        except (json.JSONDecodeError, ValidationError) as exc:
            raise BadRequestError(f"row {index}: column {name!r} is not a list of chat messages: {exc}") from None
        if not messages:
            raise BadRequestError(f"row {index}: column {name!r} holds no messages")
        return messages
    for name in ALIASES["input_query"]:
        if row.get(name) is not None:
            content = row[name] if isinstance(row[name], str) else json.dumps(row[name])
            return [ChatMessage(role="user", content=content)]
    if required:
        raise missing("input_query", index, needed_by, (*ALIASES["input_query"], *MESSAGE_COLUMNS))
    return None
