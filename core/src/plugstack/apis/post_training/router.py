"""Routes post_training calls: new jobs to the first provider in run.yaml, job calls to the owner."""

from collections.abc import AsyncIterator
from typing import Any

from plugstack.apis.post_training.models import (
    JobArtifactsResponse,
    JobLogLine,
    JobLogsParams,
    JobLogsResponse,
    JobRequest,
    JobStatusResponse,
    ListPostTrainingJobsResponse,
    PostTrainingJob,
    PreferenceOptimizeRequest,
    SupervisedFineTuneRequest,
)
from plugstack.errors import BadRequestError, NotFoundError
from plugstack.registry.handles import ProviderHandle


class PostTrainingRouter:
    """Implements `PostTraining` over the configured providers (usually exactly one)."""

    def __init__(self, handles: list[ProviderHandle]) -> None:
        self._handles = handles

    def _first(self) -> Any:
        if not self._handles:
            raise BadRequestError("this stack has no post_training provider")
        return self._handles[0].require()

    async def _owner(self, job_uuid: str) -> Any:
        """The provider whose job this is (each provider answers 404 for jobs not its own)."""
        for handle in self._handles:
            if handle.impl is None:
                continue
            try:
                await handle.impl.job_status(JobRequest(job_uuid=job_uuid))
            except NotFoundError:
                continue
            return handle.impl
        raise NotFoundError(f"post-training job {job_uuid!r} not found")

    async def supervised_fine_tune(self, request: SupervisedFineTuneRequest) -> PostTrainingJob:
        return await self._first().supervised_fine_tune(request)

    async def preference_optimize(self, request: PreferenceOptimizeRequest) -> PostTrainingJob:
        return await self._first().preference_optimize(request)

    async def list_jobs(self) -> ListPostTrainingJobsResponse:
        data = [job for h in self._handles if h.impl is not None for job in (await h.impl.list_jobs()).data]
        return ListPostTrainingJobsResponse(data=data)

    async def job_status(self, request: JobRequest) -> JobStatusResponse:
        return await (await self._owner(request.job_uuid)).job_status(request)

    async def job_artifacts(self, request: JobRequest) -> JobArtifactsResponse:
        return await (await self._owner(request.job_uuid)).job_artifacts(request)

    async def cancel_job(self, request: JobRequest) -> None:
        await (await self._owner(request.job_uuid)).cancel_job(request)

    async def job_logs(self, request: JobLogsParams) -> JobLogsResponse:
        return await (await self._owner(request.job_uuid)).job_logs(request)

    async def follow_job_logs(self, request: JobLogsParams) -> AsyncIterator[JobLogLine]:
        owner = await self._owner(request.job_uuid)
        async for line in owner.follow_job_logs(request):
            yield line
