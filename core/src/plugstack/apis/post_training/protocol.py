"""What a post_training provider implements. The router implements it too."""

from collections.abc import AsyncIterator
from typing import Protocol

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


class PostTraining(Protocol):
    async def supervised_fine_tune(self, request: SupervisedFineTuneRequest) -> PostTrainingJob: ...

    async def preference_optimize(self, request: PreferenceOptimizeRequest) -> PostTrainingJob: ...

    async def list_jobs(self) -> ListPostTrainingJobsResponse: ...

    async def job_status(self, request: JobRequest) -> JobStatusResponse: ...

    async def job_artifacts(self, request: JobRequest) -> JobArtifactsResponse: ...

    async def cancel_job(self, request: JobRequest) -> None: ...

    async def job_logs(self, request: JobLogsParams) -> JobLogsResponse: ...

    def follow_job_logs(self, request: JobLogsParams) -> AsyncIterator[JobLogLine]: ...
