"""What a batches provider implements.

``create_batch`` checks what it can at once (the input file exists and has purpose ``batch``)
and answers with the batch ``validating``; the rest happens in the background, visible through
``retrieve_batch``. ``cancel_batch`` of a batch already finished answers 409.
"""

from typing import Protocol

from plugstack.apis.batches.models import (
    Batch,
    BatchRequest,
    CreateBatchRequest,
    ListBatchesParams,
    ListBatchesResponse,
)


class Batches(Protocol):
    async def create_batch(self, request: CreateBatchRequest) -> Batch: ...

    async def retrieve_batch(self, request: BatchRequest) -> Batch: ...

    async def list_batches(self, request: ListBatchesParams) -> ListBatchesResponse: ...

    async def cancel_batch(self, request: BatchRequest) -> Batch: ...
