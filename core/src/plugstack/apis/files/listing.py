"""File ids that sort in creation order, and the cursor paging of GET /v1/files over them
(`plugstack.apis.cursor` does both for every OpenAI-style list)."""

from collections.abc import Iterable

from plugstack.apis.cursor import page as cursor_page
from plugstack.apis.cursor import sortable_id
from plugstack.apis.files.models import File, ListFilesParams, ListFilesResponse


def new_file_id(now: float) -> str:
    """A new id for a file created at ``now`` (Unix seconds); later than every id this process made before."""
    return sortable_id("file-", now)


def page(files: Iterable[File], request: ListFilesParams) -> ListFilesResponse:
    """The page of ``files`` (the live ones, in any order) that the request asks for."""
    oldest_first = sorted((file for file in files if request.purpose in (None, file.purpose)), key=lambda f: f.id)
    data, has_more = cursor_page(oldest_first, lambda f: f.id, request.after, request.limit, request.order)
    return ListFilesResponse(
        data=data,
        has_more=has_more,
        first_id=data[0].id if data else None,
        last_id=data[-1].id if data else None,
    )
