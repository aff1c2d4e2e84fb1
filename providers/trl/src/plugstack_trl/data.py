"""Dataset rows → TRL's conversational formats, checked row by row so a bad row is a 400 that
names the row and the column, before any job starts. Any training purpose may hold any of these
shapes (``post-training/messages`` takes them all), so the method decides which one is read.

SFT rows become ``{"prompt": [...], "completion": [...]}`` (loss on the completion only) or,
with ``train_on_input``, ``{"messages": [...]}`` (loss on every token). A dialog's completion is
its last message, which must be the assistant's. DPO rows become ``{"prompt", "chosen",
"rejected"}`` message lists; the prompt comes from ``prompt`` or else ``messages``.
"""

from typing import Any, Literal

from plugstack.errors import BadRequestError

Message = dict[str, str]
ROLES = ("system", "user", "assistant", "tool")
INSTRUCT_COLUMNS = (("input", "output"), ("question", "answer"))


class RowError(BadRequestError):
    def __init__(self, dataset_id: str, row: int, column: str, problem: str) -> None:
        super().__init__(f"dataset {dataset_id!r}, row {row}, column {column!r}: {problem}")


def _text(value: Any) -> str | None:
    """A message content as text: a string, or a list of text parts ({type: text, text})."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(p, dict) and p.get("type") == "text" for p in value):
        return "".join(str(p.get("text", "")) for p in value)
    return None


def _messages(value: Any, where: tuple[str, int, str]) -> list[Message]:
    if not isinstance(value, list) or not value:
        raise RowError(*where, "expected a non-empty list of messages")
    messages = []
    for index, message in enumerate(value):
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            raise RowError(*where, f"message {index} needs a role, one of {', '.join(ROLES)}")
        content = _text(message.get("content"))
        if content is None:
            raise RowError(*where, f"message {index} needs text content (a string or text parts)")
        messages.append({"role": message["role"], "content": content})
    return messages


def _turn(value: Any, role: str, where: tuple[str, int, str]) -> list[Message]:
    """A column holding either a string (one message of ``role``) or a list of messages."""
    if isinstance(value, str):
        if not value.strip():
            raise RowError(*where, "is empty")
        return [{"role": role, "content": value}]
    return _messages(value, where)


def sft_row(
    row: dict[str, Any], data_format: Literal["instruct", "dialog"], train_on_input: bool, dataset_id: str, index: int
) -> dict[str, list[Message]]:
    if data_format == "dialog":
        if row.get("messages") is None:
            raise RowError(
                dataset_id,
                index,
                "messages",
                "dialog rows need a messages column (prompt/chosen/rejected rows "
                "train with preference_optimize; input/output rows with data_format 'instruct')",
            )
        messages = _messages(row["messages"], (dataset_id, index, "messages"))
        if messages[-1]["role"] != "assistant":
            raise RowError(dataset_id, index, "messages", "the last message must be the assistant's (what is learnt)")
        if len(messages) < 2:
            raise RowError(dataset_id, index, "messages", "needs a prompt before the assistant's message")
        prompt, completion = messages[:-1], messages[-1:]
    else:
        columns = next((pair for pair in INSTRUCT_COLUMNS if pair[0] in row), None)
        if columns is None:
            raise RowError(dataset_id, index, "input", "instruct rows need input/output or question/answer columns")
        prompt = _turn(row.get(columns[0]), "user", (dataset_id, index, columns[0]))
        completion = _turn(row.get(columns[1]), "assistant", (dataset_id, index, columns[1]))
    if train_on_input:
        return {"messages": prompt + completion}
    return {"prompt": prompt, "completion": completion}


def preference_row(row: dict[str, Any], dataset_id: str, index: int) -> dict[str, list[Message]]:
    column = "prompt" if row.get("prompt") is not None else "messages"
    if row.get(column) is None:
        raise RowError(dataset_id, index, "prompt", "preference rows need a prompt (or messages) column")
    normalized = {"prompt": _turn(row[column], "user", (dataset_id, index, column))}
    for answer in ("chosen", "rejected"):
        if row.get(answer) is None:
            raise RowError(dataset_id, index, answer, "preference rows need chosen and rejected answers")
        normalized[answer] = _turn(row[answer], "assistant", (dataset_id, index, answer))
    return normalized
