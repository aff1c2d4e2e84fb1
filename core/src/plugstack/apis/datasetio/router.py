"""Routes each datasetio call to the provider that owns its dataset."""

from typing import TypeVar

from plugstack.apis.datasetio.models import AppendRowsRequest, Dataset, IterRowsRequest, PaginatedResponse
from plugstack.apis.datasetio.protocol import DatasetIO
from plugstack.apis.datasetio.purposes import check_rows
from plugstack.registry.routing import RoutingTable

Request = TypeVar("Request", IterRowsRequest, AppendRowsRequest)


class DatasetIORouter:
    """Implements `DatasetIO` by looking each dataset up in the dataset routing table."""

    def __init__(self, datasets: RoutingTable) -> None:
        self._datasets = datasets

    def _route(self, request: Request) -> tuple[Dataset, DatasetIO, Request]:
        dataset, provider = self._datasets.route(request.dataset_id)
        assert isinstance(dataset, Dataset)
        routed = request.model_copy(update={"dataset_id": dataset.provider_resource_id or dataset.identifier})
        return dataset, provider, routed

    async def iterrows(self, request: IterRowsRequest) -> PaginatedResponse:
        _, provider, routed = self._route(request)
        return await provider.iterrows(routed)

    async def append_rows(self, request: AppendRowsRequest) -> None:
        """Rows are checked against the purpose here, so no provider can store a bad row."""
        dataset, provider, routed = self._route(request)
        self._datasets.check(dataset, "update")
        check_rows(dataset.purpose, request.rows, where=" of the appended rows")
        await provider.append_rows(routed)
