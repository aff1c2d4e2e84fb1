"""The job system: real child processes, persisted state, cancel, restart; on each storage backend."""

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from plugstack.access.principal import Principal
from plugstack.errors import ConflictError, NotFoundError
from plugstack.jobs.manager import JobManager, TaskReporter
from plugstack.jobs.models import JobStatus
from plugstack.storage.backends import StorageBackend

PRIMES = "tests.support.job_kinds:count_primes"


@pytest.fixture
async def db(storage_backend: StorageBackend) -> AsyncIterator[StorageBackend]:
    """The backend; the managers made on it are shut down before it closes."""
    yield storage_backend
    for manager in _STARTED.pop(storage_backend, []):
        await manager.shutdown()


_STARTED: dict[StorageBackend, list[JobManager]] = {}


async def _manager(db: StorageBackend, **options: float) -> JobManager:
    manager = JobManager(db, **options)
    await manager.initialize()
    _STARTED.setdefault(db, []).append(manager)
    return manager


async def test_job_runs_to_completion_with_progress_logs_and_artifacts(db: StorageBackend, tmp_path: Path) -> None:
    manager = await _manager(db)
    job = await manager.submit("test", PRIMES, {"limit": 2000, "out_dir": str(tmp_path)})
    assert job.status == JobStatus.scheduled
    done = await manager.wait(job.id, timeout=60)
    assert done.status == JobStatus.completed, done.error
    assert done.result == {"primes": 303}
    assert done.progress == {"done": 2000, "total": 2000, "primes": 303}
    assert done.artifacts == [{"path": str(tmp_path / "primes.txt"), "kind": "count"}]
    assert (tmp_path / "primes.txt").read_text() == "303"
    assert done.started_at and done.completed_at and done.started_at <= done.completed_at
    lines = [entry.line for entry in await manager.logs(job.id)]
    assert "checked up to 2000" in lines
    assert "a line the work printed to stdout" in lines
    assert [entry.line for entry in await manager.logs(job.id, offset=1, limit=1)] == lines[1:2]


async def test_failure_is_recorded_with_the_reason(db: StorageBackend) -> None:
    manager = await _manager(db)
    job = await manager.submit("test", "tests.support.job_kinds:fail", {})
    done = await manager.wait(job.id, timeout=60)
    assert done.status == JobStatus.failed
    assert done.error == "ValueError: row 3 has no 'answer' column"
    assert any("Traceback" in entry.line for entry in await manager.logs(job.id))


async def test_a_crashing_process_fails_the_job(db: StorageBackend) -> None:
    manager = await _manager(db)
    done = await manager.wait((await manager.submit("test", "tests.support.job_kinds:crash", {})).id, timeout=60)
    assert done.status == JobStatus.failed
    assert "exited with code 7" in (done.error or "")


async def test_unknown_target_fails_cleanly(db: StorageBackend) -> None:
    manager = await _manager(db)
    done = await manager.wait((await manager.submit("test", "tests.support.nothing_here:run", {})).id, timeout=60)
    assert done.status == JobStatus.failed
    assert "ModuleNotFoundError" in (done.error or "")


async def test_cancel_stops_the_process_within_seconds(db: StorageBackend, tmp_path: Path) -> None:
    manager = await _manager(db)
    params = {"limit": 100, "out_dir": str(tmp_path), "delay_per_chunk": 5}
    job = await manager.submit("test", PRIMES, params)
    while (await manager.get(job.id)).status != JobStatus.in_progress:
        await asyncio.sleep(0.02)
    started = time.monotonic()
    cancelled = await manager.cancel(job.id)
    assert cancelled.status == JobStatus.cancelled
    assert time.monotonic() - started < 5
    assert not (tmp_path / "primes.txt").exists()


async def test_cancel_a_queued_job(db: StorageBackend, tmp_path: Path) -> None:
    manager = await _manager(db)
    first = await manager.submit("test", PRIMES, {"limit": 100, "out_dir": str(tmp_path), "delay_per_chunk": 1})
    queued = await manager.submit("test", PRIMES, {"limit": 100, "out_dir": str(tmp_path)})
    assert (await manager.cancel(queued.id)).status == JobStatus.cancelled
    await manager.cancel(first.id)


async def test_restart_marks_in_flight_jobs_failed_and_keeps_finished_ones(db: StorageBackend, tmp_path: Path) -> None:
    manager = await _manager(db, heartbeat_s=0.05, stale_after_s=0.5)
    finished = await manager.wait((await manager.submit("a", PRIMES, {"limit": 50, "out_dir": str(tmp_path)})).id, 60)
    running = await manager.submit("b", PRIMES, {"limit": 100, "out_dir": str(tmp_path), "delay_per_chunk": 5})
    while (await manager.get(running.id)).status != JobStatus.in_progress:
        await asyncio.sleep(0.02)
    # the first server hangs (its heartbeat stops); a new manager on the same table is what a
    # restarted server sees once that heartbeat is stale
    await manager.stop_heartbeat()
    await asyncio.sleep(0.6)
    restarted = await _manager(db, heartbeat_s=0.05, stale_after_s=0.5)
    after = await restarted.get(running.id)
    assert after.status == JobStatus.failed
    assert "server stopped while the job was in progress" in (after.error or "")
    assert (await restarted.get(finished.id)).status == JobStatus.completed
    assert [job.id for job in await restarted.list_jobs()] == [finished.id, running.id]
    assert [job.id for job in await restarted.list_jobs(kind="a")] == [finished.id]


async def test_ids_are_unique_and_unknown_ids_are_404(db: StorageBackend, tmp_path: Path) -> None:
    manager = await _manager(db)
    await manager.submit("test", PRIMES, {"limit": 10, "out_dir": str(tmp_path)}, job_id="mine")
    with pytest.raises(ConflictError):
        await manager.submit("test", PRIMES, {"limit": 10, "out_dir": str(tmp_path)}, job_id="mine")
    with pytest.raises(NotFoundError):
        await manager.get("nope")
    await manager.wait("mine", 60)


async def test_in_process_task_job(db: StorageBackend) -> None:
    manager = await _manager(db)

    async def work(reporter: TaskReporter) -> dict[str, int]:
        for done in range(1, 4):
            await reporter.progress(done=done, total=3)
            await reporter.log(f"row {done}")
        await reporter.artifact({"rows": 3})
        return {"rows": 3}

    done = await manager.wait((await manager.submit_task("eval", work, {"n": 3})).id, timeout=10)
    assert done.status == JobStatus.completed and done.result == {"rows": 3}
    assert done.progress == {"done": 3, "total": 3} and done.artifacts == [{"rows": 3}]
    assert [entry.line for entry in await manager.logs(done.id)] == ["row 1", "row 2", "row 3"]


async def test_in_process_task_failure_and_cancel(db: StorageBackend) -> None:
    manager = await _manager(db)

    async def broken(reporter: TaskReporter) -> None:
        raise KeyError("answer")

    failed = await manager.wait((await manager.submit_task("eval", broken, {})).id, timeout=10)
    assert failed.status == JobStatus.failed and failed.error == "KeyError: 'answer'"

    async def slow(reporter: TaskReporter) -> None:
        await asyncio.sleep(60)

    job = await manager.submit_task("eval", slow, {})
    await asyncio.sleep(0.05)
    assert (await manager.cancel(job.id)).status == JobStatus.cancelled


async def test_a_call_back_job_gets_the_stack_url_which_the_job_table_never_keeps(db: StorageBackend) -> None:
    manager = await _manager(db)
    manager.stack_url = "http://stack.internal:8321"
    job = await manager.submit("test", "tests.support.job_kinds:stack_address", {"n": 1}, call_back=True)
    done = await manager.wait(job.id, timeout=60)
    assert done.result == {"url": "http://stack.internal:8321", "has_token": False}  # auth off: no token
    assert done.params == {"n": 1}


async def test_a_job_token_stands_for_its_submitter_until_the_job_ends(db: StorageBackend) -> None:
    manager = await _manager(db)
    job = await manager.submit("test", PRIMES, {"limit": 200_000, "out_dir": "/nonexistent", "delay_per_chunk": 0.2})
    token = await manager.tokens.issue(job.id, Principal(principal="alice", attributes={"teams": ["ml"]}))
    assert await manager.tokens.principal(token) == Principal(principal="alice", attributes={"teams": ["ml"]})
    assert await manager.tokens.principal(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert await manager.tokens.principal(f"psj.{job.id}.") is None
    assert await manager.tokens.principal("psj.no-such-job.secret") is None
    await manager.cancel(job.id)
    assert await manager.tokens.principal(token) is None  # ended: worth nothing any more
