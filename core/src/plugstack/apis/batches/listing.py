"""Batch ids that sort in creation order, and the cursor paging of GET /v1/batches over them."""

from collections.abc import Iterable

from plugstack.apis.batches.models import Batch, ListBatchesParams, ListBatchesResponse
from plugstack.apis.cursor import page as cursor_page
from plugstack.apis.cursor import sortable_id


def new_batch_id(now: float) -> str:
    return sortable_id("batch_", now)


def page(batches: Iterable[Batch], request: ListBatchesParams) -> ListBatchesResponse:
    """The page of ``batches`` (in any order) that the request asks for, newest first."""
    oldest_first = sorted(batches, key=lambda b: b.id)
    data, has_more = cursor_page(oldest_first, lambda b: b.id, request.after, request.limit, "desc")
    return ListBatchesResponse(
        data=data,
        has_more=has_more,
        first_id=data[0].id if data else None,
        last_id=data[-1].id if data else None,
    )
