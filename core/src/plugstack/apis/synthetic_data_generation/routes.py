"""HTTP routes of /v1/synthetic-data-generation: one route per Protocol method, one request model each."""

from fastapi import APIRouter

from plugstack.apis.synthetic_data_generation.models import (
    SyntheticDataGenerationRequest,
    SyntheticDataGenerationResponse,
    SyntheticDataJob,
    SyntheticDataJobRequest,
)
from plugstack.apis.synthetic_data_generation.protocol import SyntheticDataGeneration


def create_router(impl: SyntheticDataGeneration) -> APIRouter:
    router = APIRouter(prefix="/v1/synthetic-data-generation", tags=["synthetic_data_generation"])

    # Messages are echoed as they came: the fields a message left out stay out (no nulls).
    @router.post(
        "/generate",
        response_model=SyntheticDataGenerationResponse,
        response_model_exclude_none=True,
        summary="Generate k candidates per dialog, score them with a reward model, keep the filtered ones",
    )
    async def generate(body: SyntheticDataGenerationRequest) -> SyntheticDataGenerationResponse:
        return await impl.generate(body)

    @router.post("/jobs", response_model=SyntheticDataJob, summary="Run a generation as a job with progress")
    async def create_job(body: SyntheticDataGenerationRequest) -> SyntheticDataJob:
        return await impl.create_job(body)

    @router.get("/jobs/{job_id}", response_model=SyntheticDataJob, summary="A generation job, with its progress")
    async def job_status(job_id: str) -> SyntheticDataJob:
        return await impl.job_status(SyntheticDataJobRequest(job_id=job_id))

    @router.get(
        "/jobs/{job_id}/result",
        response_model=SyntheticDataGenerationResponse,
        response_model_exclude_none=True,
        summary="A completed job's response (409 before it has completed)",
    )
    async def job_result(job_id: str) -> SyntheticDataGenerationResponse:
        return await impl.job_result(SyntheticDataJobRequest(job_id=job_id))

    @router.post("/jobs/{job_id}/cancel", response_model=SyntheticDataJob, summary="Cancel a generation job")
    async def cancel_job(job_id: str) -> SyntheticDataJob:
        return await impl.cancel_job(SyntheticDataJobRequest(job_id=job_id))

    return router
