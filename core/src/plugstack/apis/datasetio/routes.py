"""HTTP routes of the datasetio API: one route per Protocol method, one request model each."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from plugstack.apis.datasetio.models import (
    AppendRowsBody,
    AppendRowsRequest,
    IterRowsParams,
    IterRowsRequest,
    PaginatedResponse,
)
from plugstack.apis.datasetio.protocol import DatasetIO


def create_router(impl: DatasetIO) -> APIRouter:
    router = APIRouter(tags=["datasetio"])

    @router.get(
        "/v1beta/datasetio/iterrows/{dataset_id:path}", response_model=PaginatedResponse, summary="A page of rows"
    )
    async def iterrows(dataset_id: str, params: Annotated[IterRowsParams, Query()]) -> PaginatedResponse:
        return await impl.iterrows(IterRowsRequest(dataset_id=dataset_id, **params.model_dump()))

    @router.post("/v1beta/datasetio/append-rows/{dataset_id:path}", status_code=204, summary="Append rows")
    async def append_rows(dataset_id: str, body: AppendRowsBody) -> Response:
        await impl.append_rows(AppendRowsRequest(dataset_id=dataset_id, rows=body.rows))
        return Response(status_code=204)

    return router
