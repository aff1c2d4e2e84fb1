"""Reading a batch's input file: which lines can run, and whether the file as a whole is refused.

A line that cannot run (not JSON, a missing field) fails on its own, with the reason, in the
error file. The whole file is refused when running it would make no sense: it is empty or too
long, no line of it is JSON (it is not JSONL), a line calls another route than the batch's
endpoint, or two lines share a ``custom_id`` (their results could not be told apart).
"""

import json
from dataclasses import dataclass
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from plugstack.apis.batches.models import BatchError, InputLine
from plugstack.server.errors import describe_validation

MAX_REPORTED_ERRORS = 20


@dataclass(frozen=True)
class ParsedLine:
    """A non-blank line of the input file; ``request`` is None when the line cannot run."""

    index: int  # among the non-blank lines, from 0: the key its result is stored under
    line: int  # in the file, from 1
    custom_id: str | None
    request: InputLine | None = None
    problem: str | None = None


class InputRefused(Exception):
    """The input file as a whole cannot run; ``errors`` says why, line by line."""

    def __init__(self, errors: list[BatchError]) -> None:
        super().__init__("; ".join(error.message for error in errors))
        self.errors = errors


def _parse(index: int, number: int, text: str) -> tuple[ParsedLine, Any]:
    """The line, and its decoded JSON (None when it is not JSON)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return ParsedLine(index, number, None, problem=f"line {number} is not valid JSON: {exc}"), None
    if not isinstance(data, dict):
        return ParsedLine(index, number, None, problem=f"line {number} is not a JSON object"), data
    custom_id = data.get("custom_id") if isinstance(data.get("custom_id"), str) else None
    try:
        request = InputLine.model_validate(data)
    except ValidationError as exc:
        reason = describe_validation(RequestValidationError(exc.errors()))
        return ParsedLine(index, number, custom_id, problem=f"line {number}: {reason}"), data
    return ParsedLine(index, number, custom_id, request=request), data


def read_input(content: bytes, endpoint: str, max_lines: int) -> list[ParsedLine]:
    """The file's lines, or `InputRefused` with every reason (the first few) it cannot run."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputRefused(
            [BatchError(code="invalid_file", message=f"the input file is not UTF-8 text: {exc}")]
        ) from None
    numbered = [(number, raw) for number, raw in enumerate(text.splitlines(), start=1) if raw.strip()]
    if not numbered:
        raise InputRefused([BatchError(code="empty_file", message="the input file holds no requests")])
    if len(numbered) > max_lines:
        message = f"the input file holds {len(numbered)} requests; this provider takes at most {max_lines}"
        raise InputRefused([BatchError(code="too_many_requests", message=message)])
    lines: list[ParsedLine] = []
    errors: list[BatchError] = []
    seen: dict[str, int] = {}
    any_object = False
    for index, (number, raw) in enumerate(numbered):
        line, data = _parse(index, number, raw)
        lines.append(line)
        any_object |= isinstance(data, dict)
        url = data.get("url") if isinstance(data, dict) else None
        if url is not None and url != endpoint:
            message = f"line {number} calls {url!r}, but the batch's endpoint is {endpoint!r}"
            errors.append(BatchError(code="invalid_url", message=message, line=number, param="url"))
        if line.custom_id is not None:
            if line.custom_id in seen:
                message = f"line {number} repeats custom_id {line.custom_id!r} of line {seen[line.custom_id]}"
                errors.append(BatchError(code="duplicate_custom_id", message=message, line=number, param="custom_id"))
            seen.setdefault(line.custom_id, number)
    if not any_object:
        errors = [
            BatchError(code="invalid_json_line", message=f"{line.problem} (is the file JSONL?)", line=line.line)
            for line in lines
        ]
    if errors:
        raise InputRefused(errors[:MAX_REPORTED_ERRORS])
    return lines
