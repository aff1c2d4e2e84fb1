"""What each dataset purpose requires of its rows, checked at registration and on append.

The check lives in the core so every datasetio provider gives the same 400, naming the
column and the row, whichever way it stores rows.
"""

from collections.abc import Iterable

from plugstack.apis.datasetio.models import DatasetPurpose, Row
from plugstack.errors import BadRequestError

REQUIRED_COLUMNS: dict[DatasetPurpose, tuple[str, ...]] = {
    "post-training/messages": ("messages",),
    "eval/question-answer": ("question", "answer"),
    "eval/messages-answer": ("messages", "answer"),
    "post-training/instruct": ("input", "output"),
    "post-training/preferences": ("prompt", "chosen", "rejected"),
}


def missing_column(purpose: DatasetPurpose, column: str, row: int, where: str = "") -> BadRequestError:
    """The one error for a row lacking a column its purpose needs (absent or null)."""
    required = ", ".join(REQUIRED_COLUMNS[purpose])
    return BadRequestError(
        f"row {row}{where} has no value in column {column!r}, which purpose {purpose!r} requires "
        f"(required columns: {required})"
    )


def check_rows(purpose: DatasetPurpose, rows: Iterable[Row], first_row: int = 0, where: str = "") -> None:
    """Raise a 400 for the first row (numbered from ``first_row``) missing a required column."""
    required = REQUIRED_COLUMNS[purpose]
    for index, row in enumerate(rows, start=first_row):
        for column in required:
            if row.get(column) is None:
                raise missing_column(purpose, column, index, where)
