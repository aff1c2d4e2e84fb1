"""The persisted shape of a job and of its log lines."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class JobStatus(StrEnum):
    scheduled = "scheduled"
    in_progress = "in_progress"
    completed = "completed"
    failed = "failed"
    cancelled = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.completed, JobStatus.failed, JobStatus.cancelled)


class Job(BaseModel):
    id: str
    kind: str = Field(description="what sort of work: 'post_training', 'eval', ...")
    status: JobStatus
    created_at: datetime
    started_at: datetime | None = None
    completed_at: datetime | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    progress: dict[str, Any] = Field(default_factory=dict, description="latest progress report")
    artifacts: list[dict[str, Any]] = Field(default_factory=list)
    result: Any = None
    error: str | None = None


class JobLogLine(BaseModel):
    seq: int
    time: datetime
    line: str
