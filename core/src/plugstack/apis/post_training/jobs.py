"""The job half of the post_training API, over the core JobManager, for any provider to reuse.

A provider only has to start work (``submit``); status, artifacts, cancel and logs read the
persisted job table, so they answer the same before and after a restart. The child process
reports checkpoints as artifacts of type ``checkpoint``.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from plugstack.apis.post_training.models import (
    Checkpoint,
    JobArtifactsResponse,
    JobLogLine,
    JobLogsParams,
    JobLogsResponse,
    JobRequest,
    JobStatusResponse,
    ListPostTrainingJobsResponse,
    PostTrainingJob,
    ServedModel,
)
from plugstack.errors import NotFoundError
from plugstack.jobs.manager import JobManager
from plugstack.jobs.models import Job, JobStatus

JOB_KIND = "post_training"
CHECKPOINT_ARTIFACT = "checkpoint"
FOLLOW_POLL_S = 0.5

ServedLookup = Callable[[str], Awaitable[ServedModel | None]]


class PostTrainingJobs:
    """Post-training jobs of one provider (``params['provider_id']``) in the stack's job table."""

    def __init__(self, jobs: JobManager, provider_id: str, served: ServedLookup | None = None) -> None:
        self.jobs = jobs
        self.provider_id = provider_id
        self._served = served

    async def submit(self, job_uuid: str, target: str, params: dict[str, Any]) -> PostTrainingJob:
        """Start ``target`` ("module:function") in a child process as job ``job_uuid`` (409 if taken)."""
        await self.jobs.submit(JOB_KIND, target, {**params, "provider_id": self.provider_id}, job_id=job_uuid)
        return PostTrainingJob(job_uuid=job_uuid)

    async def get(self, job_uuid: str) -> Job:
        job = await self.jobs.get(job_uuid)
        if job.kind != JOB_KIND or job.params.get("provider_id") != self.provider_id:
            raise NotFoundError(f"post-training job {job_uuid!r} not found")
        return job

    async def list_jobs(self) -> ListPostTrainingJobsResponse:
        jobs = await self.jobs.list_jobs(JOB_KIND)
        mine = [PostTrainingJob(job_uuid=job.id) for job in jobs if job.params.get("provider_id") == self.provider_id]
        return ListPostTrainingJobsResponse(data=mine)

    async def job_status(self, request: JobRequest) -> JobStatusResponse:
        job = await self.get(request.job_uuid)
        return JobStatusResponse(
            job_uuid=job.id,
            status=job.status.value,
            scheduled_at=job.created_at,
            started_at=job.started_at,
            completed_at=job.completed_at,
            resources_allocated=job.progress.get("resources"),
            checkpoints=checkpoints(job),
            progress=job.progress,
            error=job.error,
            served_model=await self._served_model(job),
        )

    async def job_artifacts(self, request: JobRequest) -> JobArtifactsResponse:
        job = await self.get(request.job_uuid)
        return JobArtifactsResponse(
            job_uuid=job.id, checkpoints=checkpoints(job), served_model=await self._served_model(job)
        )

    async def cancel_job(self, request: JobRequest) -> None:
        await self.get(request.job_uuid)
        await self.jobs.cancel(request.job_uuid)

    async def job_logs(self, request: JobLogsParams) -> JobLogsResponse:
        job = await self.get(request.job_uuid)
        lines = await self.jobs.logs(job.id, request.offset, request.limit)
        data = [JobLogLine(seq=line.seq, time=line.time, line=line.line) for line in lines]
        return JobLogsResponse(
            job_uuid=job.id, status=job.status.value, data=data, next_offset=request.offset + len(data)
        )

    async def follow_job_logs(self, request: JobLogsParams) -> AsyncIterator[JobLogLine]:
        """Log lines from ``offset`` on, as they are written, until the job has finished."""
        offset = request.offset
        while True:
            job = await self.get(request.job_uuid)  # read before the lines: none is missed at the end
            for line in await self.jobs.logs(job.id, offset):
                offset += 1
                yield JobLogLine(seq=line.seq, time=line.time, line=line.line)
            if job.status.finished:
                return
            await asyncio.sleep(FOLLOW_POLL_S)

    async def _served_model(self, job: Job) -> ServedModel | None:
        """Asked only of completed jobs: only they can have a model."""
        if self._served is None or job.status != JobStatus.completed:
            return None
        return await self._served(job.id)


def checkpoints(job: Job) -> list[Checkpoint]:
    return [
        Checkpoint.model_validate(artifact) for artifact in job.artifacts if artifact.get("type") == CHECKPOINT_ARTIFACT
    ]
