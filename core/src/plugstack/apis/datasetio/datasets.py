"""/v1beta/datasets: the dataset routing table (register, list, get, unregister)."""

import uuid

from plugstack.apis.datasetio.models import Dataset, ListDatasetsResponse, RegisterDatasetRequest, RowsDataSource
from plugstack.apis.datasetio.purposes import check_rows
from plugstack.apis.declaration import ResourceApi
from plugstack.apis.names import Api
from plugstack.registry.resources import ResourceKind


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


DATASETS_API = ResourceApi(kind=DATASETS, path="/v1beta/datasets", list_response=ListDatasetsResponse, tag="datasets")
