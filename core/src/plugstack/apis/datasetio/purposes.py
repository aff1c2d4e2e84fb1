"""What each dataset purpose accepts of its rows, checked at registration and on append.

A purpose accepts every column naming that its consumers read, as Llama Stack's own clients
and data use them: eval and scoring read a question (``question``, ``input_query``,
``messages`` or ``chat_completion_input``) and an answer (``answer`` or ``expected_answer``);
post-training reads dialogs, instruct pairs and preference (DPO) triples. A row fits when it
fills every column of one shape, each column under any one of its names. Whether the values
serve is the consumer's to say, with a 400 naming row and column when it reads them.

The check lives in the core so every datasetio provider gives the same 400, naming the
column and the row, whichever way it stores rows.
"""

from collections.abc import Iterable

from plugstack.apis.datasetio.models import DatasetPurpose, Row
from plugstack.errors import BadRequestError

Column = tuple[str, ...]
"""The names one column goes by, the one an error names first."""
Shape = tuple[Column, ...]
"""Columns a row fills together."""

# What eval and scoring read (plugstack.apis.scoring.columns): a question and an expected answer.
_ANSWER: Column = ("answer", "expected_answer")
_QUESTION_ANSWER: Shape = (("question", "input_query", "messages", "chat_completion_input"), _ANSWER)
_MESSAGES_ANSWER: Shape = (("messages", "chat_completion_input", "question", "input_query"), _ANSWER)
# What post-training reads (plugstack_trl.data): SFT dialogs and instruct pairs, DPO triples.
_DIALOG: Shape = (("messages",),)
_INSTRUCT: tuple[Shape, ...] = ((("input",), ("output",)), (("question",), ("answer",)))
_PREFERENCES: Shape = (("prompt", "messages"), ("chosen",), ("rejected",))

SHAPES: dict[DatasetPurpose, tuple[Shape, ...]] = {
    "post-training/messages": (_DIALOG, _PREFERENCES, *_INSTRUCT),  # the spec's only training purpose
    "eval/question-answer": (_QUESTION_ANSWER,),
    "eval/messages-answer": (_MESSAGES_ANSWER,),
    "post-training/instruct": _INSTRUCT,
    "post-training/preferences": (_PREFERENCES,),
}


def describe(purpose: DatasetPurpose) -> str:
    """The accepted shapes as text: ``a|b + c``, alternatives of one column joined by ``|``."""
    return ", or ".join(" + ".join("|".join(column) for column in shape) for shape in SHAPES[purpose])


def _filled(row: Row, column: Column) -> bool:
    return any(row.get(name) is not None for name in column)


def misfit(purpose: DatasetPurpose, row: Row) -> Column | None:
    """The column the row lacks in the shape it comes closest to; None when it fits a shape."""
    best: Column | None = None
    most = -1
    for shape in SHAPES[purpose]:
        lacking = [column for column in shape if not _filled(row, column)]
        if not lacking:
            return None
        if len(shape) - len(lacking) > most:
            best, most = lacking[0], len(shape) - len(lacking)
    return best


def missing_column(purpose: DatasetPurpose, column: Column, row: int, where: str = "") -> BadRequestError:
    """The one error for a row lacking a column its purpose needs (absent or null)."""
    others = f" (nor {', '.join(map(repr, column[1:]))})" if len(column) > 1 else ""
    return BadRequestError(
        f"row {row}{where} has no value in column {column[0]!r}{others}, which purpose {purpose!r} requires "
        f"(accepted columns: {describe(purpose)})"
    )


def check_rows(purpose: DatasetPurpose, rows: Iterable[Row], first_row: int = 0, where: str = "") -> None:
    """Raise a 400 for the first row (numbered from ``first_row``) that fits none of the purpose's shapes."""
    for index, row in enumerate(rows, start=first_row):
        column = misfit(purpose, row)
        if column is not None:
            raise missing_column(purpose, column, index, where)
