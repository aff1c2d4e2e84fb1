"""Runs jobs and keeps their state in the job table.

CPU-heavy work (training) runs in a child process (``submit``): cancel kills the child's
whole process group, so it really stops. Work that needs the server's own objects (an eval
calling the inference router) runs as an asyncio task (``submit_task``): cancel cancels it.

Several servers may share one job table (PostgreSQL, or one SQLite file). Each manager is a
*runner* with a row in ``job_runners`` that it refreshes every ``heartbeat_s``, and each job
row names its owner. Any server lists and follows any job; a cancel for a job another runner
owns sets the job's ``cancel_requested`` flag, which the owner polls on its heartbeat and acts
on. Jobs left ``scheduled`` or ``in_progress`` by a runner that is gone (its process is dead on
this host, or its heartbeat is older than ``stale_after_s``) are marked failed with the reason,
at start-up and then periodically; their progress, artifacts and logs stay readable.

With a Ray runner (``jobs.runner: ray``) child-process jobs run on the cluster instead
(``ray_runner``): the manager polls each job's actor for the child's reports. Such a job
outlives its server: a server that finds it orphaned but still running on the cluster adopts
it (the restarted server, or another one sharing the table) instead of failing it. A job that
calls the stack back over HTTP (``submit(..., call_back=True)``: an eval on the cluster) gets the
stack's URL and, with auth on, a job token for its submitter (``tokens``).
"""

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from plugstack.access import ownership
from plugstack.access.principal import current_caller
from plugstack.errors import ConflictError, NotFoundError
from plugstack.jobs.child import output_line
from plugstack.jobs.models import Job, JobLogLine, JobStatus
from plugstack.jobs.ray_runner import RayJobLost, RayRunner
from plugstack.jobs.tokens import JobTokens
from plugstack.storage.sql import ColumnType, SqlStore

log = logging.getLogger(__name__)

JOBS_TABLE = "jobs"
LOGS_TABLE = "job_logs"
RUNNERS_TABLE = "job_runners"
OWNED_KIND = "job"  # the access policy's kind for every job (with auth on, each is its creator's)
KILL_GRACE_S = 3.0
HEARTBEAT_S = 1.0
STALE_AFTER_S = 30.0
RAY_POLL_S = 0.25
HOST = socket.gethostname()
# Runners alive in this process: a row naming this host and pid but no id here is a previous
# incarnation (a restarted container keeps its host name and often its pid).
_LIVE_RUNNERS: set[str] = set()


def _now() -> datetime:
    return datetime.now(UTC)


class JobManager:
    def __init__(
        self,
        store: SqlStore,
        max_concurrent: int = 1,
        heartbeat_s: float = HEARTBEAT_S,
        stale_after_s: float = STALE_AFTER_S,
        ray: RayRunner | None = None,
        stack_url: str | None = None,
    ) -> None:
        self._store = store
        self._ray = ray
        self.stack_url = stack_url  # where a job calls the stack back (call_back=True)
        self.tokens = JobTokens(store)
        self._adoption_hooks: dict[str, list[Callable[[Job], None]]] = {}
        self._adopted: dict[str, Job] = {}
        self._on_ray: set[str] = set()  # jobs this manager follows on the Ray cluster
        self.runner_id = uuid.uuid4().hex
        self._heartbeat_s = heartbeat_s
        self._stale_after_s = stale_after_s
        self._watcher: asyncio.Task[None] | None = None
        self._watching = True
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
                "owner": ColumnType.TEXT,
                "cancel_requested": ColumnType.INTEGER,
            },
            primary_key="id",
        )
        await self._store.create_table(
            LOGS_TABLE,
            {"job_id": ColumnType.TEXT, "seq": ColumnType.INTEGER, "time": ColumnType.TEXT, "line": ColumnType.TEXT},
            primary_key=None,
        )
        await self._store.create_table(
            RUNNERS_TABLE,
            {
                "id": ColumnType.TEXT,
                "host": ColumnType.TEXT,
                "pid": ColumnType.INTEGER,
                "heartbeat_at": ColumnType.REAL,
            },
            primary_key="id",
        )
        await self._store.insert(
            RUNNERS_TABLE, {"id": self.runner_id, "host": HOST, "pid": os.getpid(), "heartbeat_at": time.time()}
        )
        _LIVE_RUNNERS.add(self.runner_id)
        await self.tokens.initialize()
        if self._ray is not None:
            await self._ray.connect()
        await self._fail_orphans()
        self._watcher = asyncio.create_task(self._watch())

    @property
    def on_cluster(self) -> bool:
        """Whether child-process jobs run on a Ray cluster rather than beside the server."""
        return self._ray is not None

    async def submit(
        self, kind: str, target: str, params: dict[str, Any], job_id: str | None = None, call_back: bool = False
    ) -> Job:
        """Queue ``target`` ("module:function") to run in a child process; returns at once.

        ``call_back``: the function's params also get ``stack`` = ``{"url", "token"}`` to call the
        stack's HTTP API with (the token is None with auth off); it is never stored with the job."""
        job = await self._create(kind, params, job_id)
        request: dict[str, Any] = {"target": target, "job_id": job.id, "params": params}
        if call_back:
            caller = current_caller()
            token = await self.tokens.issue(job.id, caller.principal) if caller else None
            request["secrets"] = {"stack": {"url": self.stack_url, "token": token}}
        run = self._run_on_ray(job.id, kind, request) if self._ray else self._run(job.id, request)
        self._tasks[job.id] = asyncio.create_task(run)
        return job

    def on_adopted(self, kind: str, hook: Callable[[Job], None]) -> None:
        """Call ``hook`` with each job of ``kind`` this manager adopts from a server that is gone
        (a provider picks up what it did when the job ends), those adopted already included."""
        self._adoption_hooks.setdefault(kind, []).append(hook)
        for job in self._adopted.values():
            if job.kind == kind:
                hook(job)

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
        await ownership.check_create(OWNED_KIND)
        if await self._store.fetch_one(JOBS_TABLE, {"id": job_id}) is not None:
            raise ConflictError(f"job {job_id!r} already exists")
        job = Job(id=job_id, kind=kind, status=JobStatus.scheduled, created_at=_now(), params=params)
        await self._store.insert(JOBS_TABLE, {**_to_row(job), "owner": self.runner_id, "cancel_requested": 0})
        await ownership.record_created(OWNED_KIND, job_id)
        return job

    async def get(self, job_id: str) -> Job:
        await ownership.require(OWNED_KIND, job_id, "read")
        return _from_row(await self._row(job_id))

    async def _row(self, job_id: str) -> dict[str, Any]:
        row = await self._store.fetch_one(JOBS_TABLE, {"id": job_id})
        if row is None:
            raise NotFoundError(f"job {job_id!r} not found")
        return row

    async def list_jobs(self, kind: str | None = None) -> list[Job]:
        rows = await self._store.fetch_all(JOBS_TABLE, {"kind": kind} if kind else None, order_by="created_at")
        return await ownership.readable(OWNED_KIND, [_from_row(row) for row in rows], lambda job: job.id)

    async def logs(self, job_id: str, offset: int = 0, limit: int | None = None) -> list[JobLogLine]:
        await self.get(job_id)
        rows = await self._store.fetch_all(LOGS_TABLE, {"job_id": job_id}, order_by="seq", limit=limit, offset=offset)
        return [JobLogLine(seq=r["seq"], time=r["time"], line=r["line"]) for r in rows]

    async def cancel(self, job_id: str) -> Job:
        """Stop the job wherever it runs; returns its state (cancelled, unless it finished first)."""
        await ownership.require(OWNED_KIND, job_id, "update", lambda: self._row(job_id))
        row = await self._row(job_id)
        if JobStatus(row["status"]).finished:
            return _from_row(row)
        if row["owner"] == self.runner_id:
            return await self._cancel_here(job_id)
        return await self._cancel_elsewhere(job_id, row["owner"])

    async def _cancel_here(self, job_id: str) -> Job:
        if (await self.get(job_id)).status.finished:  # finished while the request was on its way
            return await self.get(job_id)
        self._cancelling.add(job_id)
        process = self._processes.get(job_id)
        if process is None:  # an in-process task, or a child job still waiting for a slot
            task = self._tasks.get(job_id)
            if task:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if self._ray is not None and job_id in self._on_ray:
                await self._ray.stop(job_id)
            await self._finish(job_id, JobStatus.cancelled)
        else:
            await _kill(process)
            task = self._tasks.get(job_id)
            if task:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        return await self.get(job_id)

    async def _cancel_elsewhere(self, job_id: str, owner: str | None) -> Job:
        """Flag the job for its owner to stop, and wait (a few heartbeats) for it to report back;
        a job whose owner is gone is cancelled here."""
        if not await self._runner_alive(owner):
            await self._finish(job_id, JobStatus.cancelled)
            return await self.get(job_id)
        await self._store.update(JOBS_TABLE, {"cancel_requested": 1}, {"id": job_id})
        deadline = time.monotonic() + 2 * self._heartbeat_s + KILL_GRACE_S + 2
        job = await self.get(job_id)
        while not job.status.finished and time.monotonic() < deadline:
            await asyncio.sleep(min(0.1, self._heartbeat_s))
            job = await self.get(job_id)
        return job

    async def _watch(self) -> None:
        """The heartbeat: tell other runners this one lives, act on their cancel requests for its
        jobs, and fail the jobs of runners that are gone."""
        next_sweep = time.monotonic() + self._stale_after_s / 2
        while self._watching:
            await asyncio.sleep(self._heartbeat_s)
            try:
                await self._store.update(RUNNERS_TABLE, {"heartbeat_at": time.time()}, {"id": self.runner_id})
                for row in await self._store.fetch_all(JOBS_TABLE, {"owner": self.runner_id, "cancel_requested": 1}):
                    await self._cancel_here(row["id"])
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + self._stale_after_s / 2
                    await self._fail_orphans()
            except Exception:  # the storage may be unreachable for a while: try again next beat
                if not self._watching:
                    return  # a cancel that psycopg turned into QueryCanceled mid-query
                log.exception("job runner heartbeat failed")

    async def stop_heartbeat(self) -> None:
        """Stop beating (at shutdown): a flag as well as a cancel, because a database driver may
        swallow the cancel of a query in flight."""
        self._watching = False
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher

    async def _runner_alive(self, runner_id: str | None) -> bool:
        runner = await self._store.fetch_one(RUNNERS_TABLE, {"id": runner_id}) if runner_id else None
        return runner is not None and self._alive(runner)

    def _alive(self, runner: dict[str, Any]) -> bool:
        if runner["id"] == self.runner_id:
            return True
        if runner["host"] == HOST:
            this_process = runner["pid"] == os.getpid()
            if (this_process and runner["id"] not in _LIVE_RUNNERS) or not (this_process or _pid_alive(runner["pid"])):
                return False
        return time.time() - runner["heartbeat_at"] < self._stale_after_s

    async def _fail_orphans(self) -> None:
        """Fail the unfinished jobs whose runner is gone, and forget such runners."""
        runners = {row["id"]: row for row in await self._store.fetch_all(RUNNERS_TABLE)}
        alive = {runner_id for runner_id, row in runners.items() if self._alive(row)}
        for status in (JobStatus.scheduled, JobStatus.in_progress):
            for row in await self._store.fetch_all(JOBS_TABLE, {"status": status.value}):
                if row["owner"] not in alive:
                    if await self._adopt(row):
                        continue
                    reason = f"the server stopped while the job was {status.value.replace('_', ' ')}"
                    # only if still in that state: its owner may have finished it meanwhile
                    await self._finish(row["id"], JobStatus.failed, error=reason, expected=status)
        for runner_id in runners.keys() - alive:
            await self._store.delete(RUNNERS_TABLE, {"id": runner_id})

    async def _adopt(self, row: dict[str, Any]) -> bool:
        """Follow an orphaned job that still runs on the Ray cluster, from where the table left
        off; False if it does not (or another server adopted it first)."""
        if self._ray is None or not await self._ray.exists(row["id"]):
            return False
        job_id = row["id"]
        if not await self._store.update(JOBS_TABLE, {"owner": self.runner_id}, {"id": job_id, "owner": row["owner"]}):
            return False
        recorded = {
            "log": len(await self._store.fetch_all(LOGS_TABLE, {"job_id": job_id})),
            "artifact": len(row["artifacts"] or []),
        }
        self._log_seq[job_id] = recorded["log"]
        log.info("adopted job %s, still running on the Ray cluster", job_id)
        self._on_ray.add(job_id)
        self._tasks[job_id] = asyncio.create_task(self._follow_on_ray(job_id, recorded))
        job = _from_row(row)
        self._adopted[job_id] = job
        for hook in self._adoption_hooks.get(job.kind, []):
            hook(job)
        return True

    async def wait(self, job_id: str, timeout: float | None = None) -> Job:
        task = self._tasks.get(job_id)
        if task is not None:
            await asyncio.wait_for(asyncio.shield(task), timeout)
        return await self.get(job_id)

    async def shutdown(self) -> None:
        await self.stop_heartbeat()
        for job_id, process in list(self._processes.items()):
            await _kill(process)
            await self._finish(job_id, JobStatus.failed, error="the server shut down while the job was running")
        for job_id, task in self._tasks.items():
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
                if job_id in self._on_ray:
                    continue  # it goes on on the cluster: the next server to start adopts it
                if not (await self.get(job_id)).status.finished:
                    await self._finish(job_id, JobStatus.failed, error="the server shut down while the job was running")
        await self._store.delete(RUNNERS_TABLE, {"id": self.runner_id})
        _LIVE_RUNNERS.discard(self.runner_id)
        if self._ray is not None:
            await self._ray.close()

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

    async def _run(self, job_id: str, request: dict[str, Any]) -> None:
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
            process.stdin.write(json.dumps(request).encode())
            process.stdin.close()
            outcome: dict[str, Any] = {}
            await asyncio.gather(
                self._read_messages(job_id, process.stdout, outcome),
                self._read_log(job_id, process.stderr),
            )
            code = await process.wait()
            self._processes.pop(job_id, None)
            await self._conclude(job_id, code, outcome)

    async def _conclude(self, job_id: str, code: int, outcome: dict[str, Any]) -> None:
        """Record how a child process ended, from its exit code and its last reports."""
        if job_id in self._cancelling:
            await self._finish(job_id, JobStatus.cancelled)
        elif code == 0 and "result" in outcome:
            await self._finish(job_id, JobStatus.completed, result=outcome["result"])
        else:
            error = outcome.get("error") or f"the job process exited with code {code}"
            await self._finish(job_id, JobStatus.failed, error=error)

    async def _run_on_ray(self, job_id: str, kind: str, request: dict[str, Any]) -> None:
        assert self._ray is not None
        self._on_ray.add(job_id)
        try:
            await self._ray.start(job_id, kind, request)
        except Exception as exc:  # noqa: BLE001 - the job fails with the reason; the server goes on
            self._on_ray.discard(job_id)
            await self._finish(job_id, JobStatus.failed, error=f"could not start on Ray: {type(exc).__name__}: {exc}")
            return
        await self._store.update(
            JOBS_TABLE, {"status": JobStatus.in_progress.value, "started_at": _now().isoformat()}, {"id": job_id}
        )
        await self._follow_on_ray(job_id, {})

    async def _follow_on_ray(self, job_id: str, recorded: dict[str, int]) -> None:
        """Poll the job's actor until its child has exited, recording each report; ``recorded``
        counts the reports of each type already in the table (an adopted job), skipped."""
        assert self._ray is not None
        outcome: dict[str, Any] = {}
        offset = 0
        while True:
            try:
                reports = await self._ray.reports(job_id, offset)
            except RayJobLost as exc:
                await self._finish(job_id, JobStatus.failed, error=str(exc))
                return
            if reports is not None:
                for message in reports.messages:
                    if recorded.get(message.get("type", ""), 0) > 0:
                        recorded[message["type"]] -= 1
                        continue
                    await self._handle_message(job_id, message, outcome)
                offset += len(reports.messages)
                code = reports.returncode
                if code is not None:
                    break
            await asyncio.sleep(RAY_POLL_S)
        await self._ray.stop(job_id)  # the actor holds its resources until it is removed
        self._on_ray.discard(job_id)
        await self._conclude(job_id, code, outcome)

    async def _read_messages(self, job_id: str, stream: asyncio.StreamReader, outcome: dict[str, Any]) -> None:
        async for raw in stream:
            try:
                message = json.loads(raw)
            except json.JSONDecodeError:
                await self._append_log(job_id, raw.decode(errors="replace").rstrip())
                continue
            await self._handle_message(job_id, message, outcome)

    async def _handle_message(self, job_id: str, message: dict[str, Any], outcome: dict[str, Any]) -> None:
        """Record one report of a job's child: progress, log and artifact into the table, the
        result or error into ``outcome``."""
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
            line = output_line(raw.decode(errors="replace"))
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

    async def _finish(
        self,
        job_id: str,
        status: JobStatus,
        result: Any = None,
        error: str | None = None,
        expected: JobStatus | None = None,
    ) -> None:
        """Record the outcome (``expected``: only if the job is still in that state)."""
        values: dict[str, Any] = {
            "status": status.value,
            "completed_at": _now().isoformat(),
            "error": error,
            "cancel_requested": 0,
        }
        if result is not None:
            values["result"] = result
        where = {"id": job_id} if expected is None else {"id": job_id, "status": expected.value}
        if await self._store.update(JOBS_TABLE, values, where):
            await self.tokens.revoke(job_id)
        self._adopted.pop(job_id, None)


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


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _to_row(job: Job) -> dict[str, Any]:
    row = job.model_dump(mode="json")
    row["status"] = job.status.value
    return row


def _from_row(row: dict[str, Any]) -> Job:
    return Job.model_validate(row)
