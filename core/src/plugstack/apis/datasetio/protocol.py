"""What a datasetio provider implements. The router implements it too, over all providers.

Requests reach a provider with ``dataset_id`` already set to the dataset's
``provider_resource_id``. Besides these methods a provider takes part in registration
(see `plugstack.registry.routing.RoutingTable`): ``register_resource(dataset)`` opens and
checks the source, ``unregister_resource(dataset)`` drops its rows, and
``accepts(request)`` says whether it serves a source when no provider_id is given.
"""

from typing import Protocol

from plugstack.apis.datasetio.models import AppendRowsRequest, IterRowsRequest, PaginatedResponse


class DatasetIO(Protocol):
    async def iterrows(self, request: IterRowsRequest) -> PaginatedResponse: ...

    async def append_rows(self, request: AppendRowsRequest) -> None: ...
