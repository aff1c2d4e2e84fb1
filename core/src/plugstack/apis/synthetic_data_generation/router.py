"""Routes synthetic data generation calls to the stack's provider."""

from plugstack.apis.synthetic_data_generation.models import (
    SyntheticDataGenerationRequest,
    SyntheticDataGenerationResponse,
    SyntheticDataJob,
    SyntheticDataJobRequest,
)
from plugstack.apis.synthetic_data_generation.protocol import SyntheticDataGeneration
from plugstack.registry.handles import ProviderHandle


class SyntheticDataGenerationRouter:
    """Implements `SyntheticDataGeneration` over the first provider in run.yaml: requests name
    no resource of their own to route by, and job ids name no provider."""

    def __init__(self, handles: list[ProviderHandle]) -> None:
        self._handle = handles[0]  # the config checks give every listed API a provider

    def _provider(self) -> SyntheticDataGeneration:
        return self._handle.require()

    async def generate(self, request: SyntheticDataGenerationRequest) -> SyntheticDataGenerationResponse:
        return await self._provider().generate(request)

    async def create_job(self, request: SyntheticDataGenerationRequest) -> SyntheticDataJob:
        return await self._provider().create_job(request)

    async def job_status(self, request: SyntheticDataJobRequest) -> SyntheticDataJob:
        return await self._provider().job_status(request)

    async def job_result(self, request: SyntheticDataJobRequest) -> SyntheticDataGenerationResponse:
        return await self._provider().job_result(request)

    async def cancel_job(self, request: SyntheticDataJobRequest) -> SyntheticDataJob:
        return await self._provider().cancel_job(request)
