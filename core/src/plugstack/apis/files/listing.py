"""File ids that sort in creation order, and the cursor paging of GET /v1/files over them.

An id carries its creation time (in milliseconds, 12 hex digits) ahead of 20 random hex digits,
so sorting by id is sorting by age, and an ``after`` cursor still places the page when the
file it names has been deleted or has expired since.
"""

import secrets
from collections.abc import Iterable

from plugstack.apis.files.models import File, ListFilesParams, ListFilesResponse

_last_tick = 0


def new_file_id(now: float) -> str:
    """A new id for a file created at ``now`` (Unix seconds); later than every id this process made before.

    Two uploads in one millisecond get consecutive ticks, so their ids still sort in upload order.
    """
    global _last_tick
    _last_tick = max(_last_tick + 1, int(now * 1000))
    return f"file-{_last_tick:012x}{secrets.token_hex(10)}"


def page(files: Iterable[File], request: ListFilesParams) -> ListFilesResponse:
    """The page of ``files`` (the live ones, in any order) that the request asks for."""
    descending = request.order == "desc"
    chosen = sorted(
        (file for file in files if request.purpose in (None, file.purpose)), key=lambda f: f.id, reverse=descending
    )
    if request.after is not None:
        after = request.after
        chosen = [file for file in chosen if (file.id < after if descending else file.id > after)]
    data = chosen[: request.limit]
    return ListFilesResponse(
        data=data,
        has_more=len(chosen) > len(data),
        first_id=data[0].id if data else None,
        last_id=data[-1].id if data else None,
    )
