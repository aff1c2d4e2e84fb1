"""A batch's output and error files: its answered lines, in input order, uploaded through the
files API (purpose ``batch_output``); a file is made only when it has lines."""

from collections.abc import AsyncIterator, Iterable

from plugstack.apis.batches.models import OutputLine
from plugstack.apis.files.models import UploadFileRequest
from plugstack.apis.files.protocol import Files


async def _content(lines: list[OutputLine]) -> AsyncIterator[bytes]:
    for line in lines:
        yield (line.model_dump_json() + "\n").encode()


async def _upload(files: Files, filename: str, lines: list[OutputLine]) -> str | None:
    if not lines:
        return None
    request = UploadFileRequest(filename=filename, purpose="batch_output", content=_content(lines))
    return (await files.upload_file(request)).id


async def write_results(files: Files, batch_id: str, lines: Iterable[OutputLine]) -> tuple[str | None, str | None]:
    """(output file id, error file id)."""
    ordered = list(lines)
    output = await _upload(files, f"{batch_id}_output.jsonl", [line for line in ordered if line.succeeded])
    errors = await _upload(files, f"{batch_id}_error.jsonl", [line for line in ordered if not line.succeeded])
    return output, errors
