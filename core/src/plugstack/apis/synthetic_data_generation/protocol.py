"""What a synthetic data generation provider implements.

``generate`` runs the whole pipeline (generate k candidates per dialog → score → filter → save)
and answers when it is done; ``create_job`` runs the same request as a job of the core job
system, whose progress ``job_status`` reports and whose response ``job_result`` returns once it
has completed. Everything a run could fail on up front (models, dataset, parameters) is a 4xx
before any generation starts.
"""

from typing import Protocol

from plugstack.apis.synthetic_data_generation.models import (
    SyntheticDataGenerationRequest,
    SyntheticDataGenerationResponse,
    SyntheticDataJob,
    SyntheticDataJobRequest,
)


class SyntheticDataGeneration(Protocol):
    async def generate(self, request: SyntheticDataGenerationRequest) -> SyntheticDataGenerationResponse: ...

    async def create_job(self, request: SyntheticDataGenerationRequest) -> SyntheticDataJob: ...

    async def job_status(self, request: SyntheticDataJobRequest) -> SyntheticDataJob: ...

    async def job_result(self, request: SyntheticDataJobRequest) -> SyntheticDataGenerationResponse: ...

    async def cancel_job(self, request: SyntheticDataJobRequest) -> SyntheticDataJob: ...
