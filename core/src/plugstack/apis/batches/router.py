"""Routes batches calls to the stack's batches provider."""

from plugstack.apis.batches.models import (
    Batch,
    BatchRequest,
    CreateBatchRequest,
    ListBatchesParams,
    ListBatchesResponse,
)
from plugstack.apis.batches.protocol import Batches
from plugstack.registry.handles import ProviderHandle


class BatchesRouter:
    """Implements `Batches` over the first batches provider in run.yaml: batch ids name no
    provider, so one provider keeps ids, listings and cursors unambiguous."""

    def __init__(self, handles: list[ProviderHandle]) -> None:
        self._handle = handles[0]  # the config checks give every listed API a provider

    def _provider(self) -> Batches:
        return self._handle.require()

    async def create_batch(self, request: CreateBatchRequest) -> Batch:
        return await self._provider().create_batch(request)

    async def retrieve_batch(self, request: BatchRequest) -> Batch:
        return await self._provider().retrieve_batch(request)

    async def list_batches(self, request: ListBatchesParams) -> ListBatchesResponse:
        return await self._provider().list_batches(request)

    async def cancel_batch(self, request: BatchRequest) -> Batch:
        return await self._provider().cancel_batch(request)
