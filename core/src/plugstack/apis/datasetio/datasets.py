"""/v1beta/datasets: the dataset routing table (register, list, get, unregister)."""

import uuid

from fastapi import APIRouter, Response

from plugstack.apis.datasetio.models import Dataset, ListDatasetsResponse, RegisterDatasetRequest, RowsDataSource
from plugstack.apis.datasetio.purposes import check_rows
from plugstack.apis.declaration import ResourceApi
from plugstack.apis.names import Api
from plugstack.registry.resources import Resource, ResourceKind
from plugstack.registry.routing import RoutingTable


def _build(request: RegisterDatasetRequest, provider_id: str) -> Dataset:
    """Inline rows are checked here, before any provider sees them; URI rows by the provider."""
    if isinstance(request.source, RowsDataSource):
        check_rows(request.purpose, request.source.rows)
    identifier = request.dataset_id or f"dataset-{uuid.uuid4().hex}"
    return Dataset(
        identifier=identifier,
        provider_id=provider_id,
        provider_resource_id=identifier,
        purpose=request.purpose,
        source=request.source,
        metadata=request.metadata or {},
    )


DATASETS = ResourceKind(
    registered_key="datasets",
    type="dataset",
    api=Api.datasetio,
    resource_class=Dataset,
    register_request=RegisterDatasetRequest,
    build=_build,
    id_field="dataset_id",
)


def create_router(table: RoutingTable) -> APIRouter:
    router = APIRouter(tags=["datasets"])

    @router.get("/v1beta/datasets", response_model=ListDatasetsResponse, summary="List datasets")
    async def list_datasets() -> ListDatasetsResponse:
        return ListDatasetsResponse(data=table.all())  # type: ignore[arg-type]

    @router.post("/v1beta/datasets", response_model=Dataset, summary="Register a dataset")
    async def register_dataset(request: RegisterDatasetRequest) -> Resource:
        return await table.register(request)

    @router.get("/v1beta/datasets/{dataset_id:path}", response_model=Dataset, summary="Get a dataset")
    async def get_dataset(dataset_id: str) -> Resource:
        return table.get(dataset_id)

    @router.delete("/v1beta/datasets/{dataset_id:path}", status_code=204, summary="Unregister a dataset")
    async def unregister_dataset(dataset_id: str) -> Response:
        await table.unregister(dataset_id)
        return Response(status_code=204)

    return router


DATASETS_API = ResourceApi(kind=DATASETS, create_router=create_router)
