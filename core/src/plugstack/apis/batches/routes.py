"""HTTP routes of /v1/batches: one route per Protocol method, one request model each."""

from typing import Annotated

from fastapi import APIRouter, Query

from plugstack.apis.batches.models import (
    Batch,
    BatchRequest,
    CreateBatchRequest,
    ListBatchesParams,
    ListBatchesResponse,
)
from plugstack.apis.batches.protocol import Batches


def create_router(impl: Batches) -> APIRouter:
    router = APIRouter(prefix="/v1/batches", tags=["batches"])

    @router.post("", response_model=Batch, summary="Create a batch from a JSONL file of requests")
    async def create_batch(body: CreateBatchRequest) -> Batch:
        return await impl.create_batch(body)

    @router.get("", response_model=ListBatchesResponse, summary="List batches, newest first, a page at a time")
    async def list_batches(params: Annotated[ListBatchesParams, Query()]) -> ListBatchesResponse:
        return await impl.list_batches(params)

    @router.get("/{batch_id}", response_model=Batch, summary="A batch, with its live request counts")
    async def retrieve_batch(batch_id: str) -> Batch:
        return await impl.retrieve_batch(BatchRequest(batch_id=batch_id))

    @router.post("/{batch_id}/cancel", response_model=Batch, summary="Cancel a batch; answered lines are kept")
    async def cancel_batch(batch_id: str) -> Batch:
        return await impl.cancel_batch(BatchRequest(batch_id=batch_id))

    return router
