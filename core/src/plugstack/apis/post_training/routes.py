"""HTTP routes of /v1alpha/post-training: one route per Protocol method, one request model each."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from plugstack.apis.post_training.models import (
    JobArtifactsResponse,
    JobLogsParams,
    JobLogsResponse,
    JobRequest,
    JobStatusResponse,
    ListPostTrainingJobsResponse,
    PostTrainingJob,
    PreferenceOptimizeRequest,
    SupervisedFineTuneRequest,
)
from plugstack.apis.post_training.protocol import PostTraining
from plugstack.server.sse import sse_response

PREFIX = "/v1alpha/post-training"


def create_router(impl: PostTraining) -> APIRouter:
    router = APIRouter(prefix=PREFIX, tags=["post_training"])

    @router.post("/supervised-fine-tune", response_model=PostTrainingJob, summary="Start a fine-tuning job")
    async def supervised_fine_tune(request: SupervisedFineTuneRequest) -> PostTrainingJob:
        return await impl.supervised_fine_tune(request)

    @router.post("/preference-optimize", response_model=PostTrainingJob, summary="Start a preference (DPO) job")
    async def preference_optimize(request: PreferenceOptimizeRequest) -> PostTrainingJob:
        return await impl.preference_optimize(request)

    @router.get("/jobs", response_model=ListPostTrainingJobsResponse, summary="List training jobs")
    async def list_jobs() -> ListPostTrainingJobsResponse:
        return await impl.list_jobs()

    @router.get("/job/status", response_model=JobStatusResponse, summary="A job's status and progress")
    async def job_status(request: Annotated[JobRequest, Query()]) -> JobStatusResponse:
        return await impl.job_status(request)

    @router.get("/job/artifacts", response_model=JobArtifactsResponse, summary="A job's checkpoints and model")
    async def job_artifacts(request: Annotated[JobRequest, Query()]) -> JobArtifactsResponse:
        return await impl.job_artifacts(request)

    @router.post("/job/cancel", summary="Cancel a job (its process is stopped)")
    async def cancel_job(request: JobRequest) -> None:
        await impl.cancel_job(request)

    @router.get(
        "/job/logs",
        response_model=JobLogsResponse,
        summary="A job's log lines: a page, or with follow=true an SSE stream until the job ends",
    )
    async def job_logs(params: Annotated[JobLogsParams, Query()], http: Request) -> JobLogsResponse | StreamingResponse:
        if params.follow:
            return await sse_response(impl.follow_job_logs(params), http.url.path)
        return await impl.job_logs(params)

    return router
