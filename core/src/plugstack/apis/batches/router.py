"""Routes batches calls to the stack's batches provider."""

from plugstack.access import ownership
from plugstack.access.principal import current_caller
from plugstack.apis.batches.listing import page
from plugstack.apis.batches.models import (
    MAX_LIST_LIMIT,
    Batch,
    BatchRequest,
    CreateBatchRequest,
    ListBatchesParams,
    ListBatchesResponse,
)
from plugstack.apis.batches.protocol import Batches
from plugstack.registry.handles import ProviderHandle

KIND = "batch"


class BatchesRouter:
    """Implements `Batches` over the first batches provider in run.yaml: batch ids name no
    provider, so one provider keeps ids, listings and cursors unambiguous. With auth on, a
    batch is its creator's, and so are the files it writes (they are uploaded in its context)."""

    def __init__(self, handles: list[ProviderHandle]) -> None:
        self._handle = handles[0]  # the config checks give every listed API a provider

    def _provider(self) -> Batches:
        return self._handle.require()

    async def create_batch(self, request: CreateBatchRequest) -> Batch:
        await ownership.check_create(KIND)
        batch = await self._provider().create_batch(request)
        await ownership.record_created(KIND, batch.id)
        return batch

    async def retrieve_batch(self, request: BatchRequest) -> Batch:
        await ownership.require(KIND, request.batch_id, "read")
        return await self._provider().retrieve_batch(request)

    async def list_batches(self, request: ListBatchesParams) -> ListBatchesResponse:
        if current_caller() is None:
            return await self._provider().list_batches(request)
        return page(await ownership.readable(KIND, await self._every_batch(), lambda batch: batch.id), request)

    async def _every_batch(self) -> list[Batch]:
        batches: list[Batch] = []
        after = None
        while True:
            got = await self._provider().list_batches(ListBatchesParams(after=after, limit=MAX_LIST_LIMIT))
            batches += got.data
            if not got.has_more:
                return batches
            after = got.last_id

    async def cancel_batch(self, request: BatchRequest) -> Batch:
        await ownership.require(KIND, request.batch_id, "update", lambda: self._provider().retrieve_batch(request))
        return await self._provider().cancel_batch(request)
