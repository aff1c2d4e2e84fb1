"""Two job managers on one job table are two servers on one database: each lists, follows and
cancels the other's jobs, and neither fails a job the other is still running."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from plugstack.jobs.manager import JobManager, TaskReporter
from plugstack.jobs.models import JobStatus
from plugstack.storage.backends import StorageBackend

PRIMES = "tests.support.job_kinds:count_primes"
FAST = {"heartbeat_s": 0.1, "stale_after_s": 1.0}


@pytest.fixture
async def pair(storage_backend: StorageBackend) -> AsyncIterator[tuple[JobManager, JobManager]]:
    first, second = JobManager(storage_backend, **FAST), JobManager(storage_backend, **FAST)
    await first.initialize()
    await second.initialize()
    yield first, second
    await first.shutdown()
    await second.shutdown()


async def _until(manager: JobManager, job_id: str, status: JobStatus) -> None:
    while (await manager.get(job_id)).status != status:
        await asyncio.sleep(0.02)


async def test_a_job_is_listed_followed_and_cancelled_through_the_other(
    pair: tuple[JobManager, JobManager], tmp_path: Path
) -> None:
    owner, other = pair
    params = {"limit": 100, "out_dir": str(tmp_path), "delay_per_chunk": 0.3}
    job = await owner.submit("test", PRIMES, params)
    assert [listed.id for listed in await other.list_jobs("test")] == [job.id]
    await _until(other, job.id, JobStatus.in_progress)
    while not await other.logs(job.id):  # followed: its log lines and progress, as the owner writes them
        await asyncio.sleep(0.02)
    assert (await other.logs(job.id))[0].line == "checked up to 12"
    assert (await other.get(job.id)).progress["total"] == 100
    cancelled = await other.cancel(job.id)
    assert cancelled.status == JobStatus.cancelled
    assert (await owner.get(job.id)).status == JobStatus.cancelled
    assert not (tmp_path / "primes.txt").exists()  # the owner's child process was stopped


async def test_an_in_process_job_is_cancelled_through_the_other(pair: tuple[JobManager, JobManager]) -> None:
    owner, other = pair

    async def forever(reporter: TaskReporter) -> None:
        await reporter.progress(started=True)
        await asyncio.sleep(60)

    job = await owner.submit_task("eval", forever, {})
    await _until(other, job.id, JobStatus.in_progress)
    assert (await other.cancel(job.id)).status == JobStatus.cancelled


async def test_a_second_runner_leaves_running_jobs_alone_and_fails_those_of_a_dead_one(
    pair: tuple[JobManager, JobManager], tmp_path: Path
) -> None:
    owner, other = pair
    job = await owner.submit("test", PRIMES, {"limit": 100, "out_dir": str(tmp_path), "delay_per_chunk": 2})
    await _until(owner, job.id, JobStatus.in_progress)
    await asyncio.sleep(FAST["stale_after_s"] * 1.5)  # several sweeps by the other runner
    assert (await other.get(job.id)).status == JobStatus.in_progress
    await owner.stop_heartbeat()  # the owner hangs: its heartbeat stops
    await _until(other, job.id, JobStatus.failed)
    assert "server stopped while the job was in progress" in ((await other.get(job.id)).error or "")


async def test_cancelling_a_job_whose_runner_is_gone_cancels_it_at_once(
    pair: tuple[JobManager, JobManager], tmp_path: Path
) -> None:
    owner, other = pair
    job = await owner.submit("test", PRIMES, {"limit": 100, "out_dir": str(tmp_path), "delay_per_chunk": 2})
    await _until(owner, job.id, JobStatus.in_progress)
    await owner.stop_heartbeat()
    await other.stop_heartbeat()  # no sweep gets there first
    await asyncio.sleep(FAST["stale_after_s"])
    assert (await other.cancel(job.id)).status == JobStatus.cancelled
