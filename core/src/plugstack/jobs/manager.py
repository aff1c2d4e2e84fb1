"""Runs jobs and keeps their state in the job table.

CPU-heavy work (training) runs in a child process (``submit``): cancel kills the child's
whole process group, so it really stops. Work that needs the server's own objects (an eval
calling the inference router) runs as an asyncio task (``submit_task``): cancel cancels it. On start-up, jobs left
``scheduled`` or ``in_progress`` by a previous server are marked failed with the reason;
their progress, artifacts and logs stay readable.
"""

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from plugstack.errors import ConflictError, NotFoundError
from plugstack.jobs.models import Job, JobLogLine, JobStatus
from plugstack.storage.sql import ColumnType, SqlStore

log = logging.getLogger(__name__)

JOBS_TABLE = "jobs"
LOGS_TABLE = "job_logs"
KILL_GRACE_S = 3.0


def _now() -> datetime:
    return datetime.now(UTC)


class JobManager:
    def __init__(self, store: SqlStore, max_concurrent: int = 1) -> None:
        self._store = store
        self._slots = asyncio.Semaphore(max_concurrent)
        self._processes: dict[str, asyncio.subprocess.Process] = {}
        self._cancelling: set[str] = set()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._log_seq: dict[str, int] = {}

    async def initialize(self) -> None:
        await self._store.create_table(
            JOBS_TABLE,
            {
                "id": ColumnType.TEXT,
                "kind": ColumnType.TEXT,
                "status": ColumnType.TEXT,
                "created_at": ColumnType.TEXT,
                "started_at": ColumnType.TEXT,
                "completed_at": ColumnType.TEXT,
                "params": ColumnType.JSON,
                "progress": ColumnType.JSON,
                "artifacts": ColumnType.JSON,
                "result": ColumnType.JSON,
                "error": ColumnType.TEXT,
            },
            primary_key="id",
        )
        await self._store.create_table(
            LOGS_TABLE,
            {"job_id": ColumnType.TEXT, "seq": ColumnType.INTEGER, "time": ColumnType.TEXT, "line": ColumnType.TEXT},
            primary_key=None,
        )
        for status in (JobStatus.scheduled, JobStatus.in_progress):
            for row in await self._store.fetch_all(JOBS_TABLE, {"status": status.value}):
                reason = f"the server stopped while the job was {status.value.replace('_', ' ')}"
                await self._finish(row["id"], JobStatus.failed, error=reason)

    async def submit(self, kind: str, target: str, params: dict[str, Any], job_id: str | None = None) -> Job:
        """Queue ``target`` ("module:function") to run in a child process; returns at once."""
        job = await self._create(kind, params, job_id)
        self._tasks[job.id] = asyncio.create_task(self._run(job.id, target, params))
        return job

    async def submit_task(
        self,
        kind: str,
        work: Callable[["TaskReporter"], Awaitable[Any]],
        params: dict[str, Any],
        job_id: str | None = None,
    ) -> Job:
        """Run ``work(reporter)`` as a job inside the server; its return value is the result."""
        job = await self._create(kind, params, job_id)
        self._tasks[job.id] = asyncio.create_task(self._run_task(job.id, work))
        return job

    async def _create(self, kind: str, params: dict[str, Any], job_id: str | None) -> Job:
        job_id = job_id or uuid.uuid4().hex
        if await self._store.fetch_one(JOBS_TABLE, {"id": job_id}) is not None:
            raise ConflictError(f"job {job_id!r} already exists")
        job = Job(id=job_id, kind=kind, status=JobStatus.scheduled, created_at=_now(), params=params)
        await self._store.insert(JOBS_TABLE, _to_row(job))
        return job

    async def get(self, job_id: str) -> Job:
        row = await self._store.fetch_one(JOBS_TABLE, {"id": job_id})
        if row is None:
            raise NotFoundError(f"job {job_id!r} not found")
        return _from_row(row)

    async def list_jobs(self, kind: str | None = None) -> list[Job]:
        rows = await self._store.fetch_all(JOBS_TABLE, {"kind": kind} if kind else None, order_by="created_at")
        return [_from_row(row) for row in rows]

    async def logs(self, job_id: str, offset: int = 0, limit: int | None = None) -> list[JobLogLine]:
        await self.get(job_id)
        rows = await self._store.fetch_all(LOGS_TABLE, {"job_id": job_id}, order_by="seq", limit=limit, offset=offset)
        return [JobLogLine(seq=r["seq"], time=r["time"], line=r["line"]) for r in rows]

    async def cancel(self, job_id: str) -> Job:
        job = await self.get(job_id)
        if job.status.finished:
            return job
        self._cancelling.add(job_id)
        process = self._processes.get(job_id)
        if process is None:  # an in-process task, or a child job still waiting for a slot
            task = self._tasks.get(job_id)
            if task:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await self._finish(job_id, JobStatus.cancelled)
        else:
            await _kill(process)
            task = self._tasks.get(job_id)
            if task:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        return await self.get(job_id)

    async def wait(self, job_id: str, timeout: float | None = None) -> Job:
        task = self._tasks.get(job_id)
        if task is not None:
            await asyncio.wait_for(asyncio.shield(task), timeout)
        return await self.get(job_id)

    async def shutdown(self) -> None:
        for job_id, process in list(self._processes.items()):
            await _kill(process)
            await self._finish(job_id, JobStatus.failed, error="the server shut down while the job was running")
        for job_id, task in self._tasks.items():
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
                if not (await self.get(job_id)).status.finished:
                    await self._finish(job_id, JobStatus.failed, error="the server shut down while the job was running")

    async def _run_task(self, job_id: str, work: Callable[["TaskReporter"], Awaitable[Any]]) -> None:
        await self._store.update(
            JOBS_TABLE, {"status": JobStatus.in_progress.value, "started_at": _now().isoformat()}, {"id": job_id}
        )
        try:
            result = await work(TaskReporter(self, job_id))
        except Exception as exc:  # the job fails with the reason; the server goes on
            log.exception("job %s failed", job_id)
            await self._append_log(job_id, f"{type(exc).__name__}: {exc}")
            await self._finish(job_id, JobStatus.failed, error=f"{type(exc).__name__}: {exc}")
            return
        await self._finish(job_id, JobStatus.completed, result=result)

    async def _run(self, job_id: str, target: str, params: dict[str, Any]) -> None:
        async with self._slots:
            if job_id in self._cancelling:
                return
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "plugstack.jobs.child",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
            self._processes[job_id] = process
            await self._store.update(
                JOBS_TABLE, {"status": JobStatus.in_progress.value, "started_at": _now().isoformat()}, {"id": job_id}
            )
            assert process.stdin and process.stdout and process.stderr
            process.stdin.write(json.dumps({"target": target, "job_id": job_id, "params": params}).encode())
            process.stdin.close()
            outcome: dict[str, Any] = {}
            await asyncio.gather(
                self._read_messages(job_id, process.stdout, outcome),
                self._read_log(job_id, process.stderr),
            )
            code = await process.wait()
            self._processes.pop(job_id, None)
            if job_id in self._cancelling:
                await self._finish(job_id, JobStatus.cancelled)
            elif code == 0 and "result" in outcome:
                await self._finish(job_id, JobStatus.completed, result=outcome["result"])
            else:
                error = outcome.get("error") or f"the job process exited with code {code}"
                await self._finish(job_id, JobStatus.failed, error=error)

    async def _read_messages(self, job_id: str, stream: asyncio.StreamReader, outcome: dict[str, Any]) -> None:
        async for raw in stream:
            try:
                message = json.loads(raw)
            except json.JSONDecodeError:
                await self._append_log(job_id, raw.decode(errors="replace").rstrip())
                continue
            kind = message.get("type")
            if kind == "progress":
                await self._set_progress(job_id, message["progress"])
            elif kind == "log":
                await self._append_log(job_id, message["line"])
            elif kind == "artifact":
                await self._add_artifact(job_id, message["artifact"])
            elif kind in ("result", "error"):
                outcome[kind] = message[kind]

    async def _read_log(self, job_id: str, stream: asyncio.StreamReader) -> None:
        async for raw in stream:
            line = raw.decode(errors="replace").rstrip()
            # progress bars redraw with \r: keep the latest state of the line
            line = line.rsplit("\r", 1)[-1]
            if line:
                await self._append_log(job_id, line)

    async def _set_progress(self, job_id: str, progress: dict[str, Any]) -> None:
        await self._store.update(JOBS_TABLE, {"progress": progress}, {"id": job_id})

    async def _add_artifact(self, job_id: str, artifact: dict[str, Any]) -> None:
        job = await self.get(job_id)
        await self._store.update(JOBS_TABLE, {"artifacts": [*job.artifacts, artifact]}, {"id": job_id})

    async def _append_log(self, job_id: str, line: str) -> None:
        seq = self._log_seq.get(job_id, 0)
        self._log_seq[job_id] = seq + 1
        await self._store.insert(LOGS_TABLE, {"job_id": job_id, "seq": seq, "time": _now().isoformat(), "line": line})

    async def _finish(self, job_id: str, status: JobStatus, result: Any = None, error: str | None = None) -> None:
        values: dict[str, Any] = {"status": status.value, "completed_at": _now().isoformat(), "error": error}
        if result is not None:
            values["result"] = result
        await self._store.update(JOBS_TABLE, values, {"id": job_id})


class TaskReporter:
    """Handed to an in-process job: the reports a child's JobReporter sends, awaited."""

    def __init__(self, manager: JobManager, job_id: str) -> None:
        self._manager = manager
        self.job_id = job_id

    async def progress(self, **fields: Any) -> None:
        await self._manager._set_progress(self.job_id, fields)

    async def log(self, line: str) -> None:
        await self._manager._append_log(self.job_id, line)

    async def artifact(self, artifact: dict[str, Any]) -> None:
        await self._manager._add_artifact(self.job_id, artifact)


async def _kill(process: asyncio.subprocess.Process) -> None:
    """SIGTERM the job's process group, then SIGKILL it if it has not gone after a grace period."""
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), KILL_GRACE_S)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()


def _to_row(job: Job) -> dict[str, Any]:
    row = job.model_dump(mode="json")
    row["status"] = job.status.value
    return row


def _from_row(row: dict[str, Any]) -> Job:
    return Job.model_validate(row)
