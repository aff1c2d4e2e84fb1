"""Child-process jobs on a Ray cluster (run.yaml ``jobs.runner: ray``).

Each job is a detached Ray actor named after the job. The actor starts the same child entry point
as the local runner (``python -m plugstack.jobs.child``) on a node that has the CPUs and GPUs the
job's kind asks for, and keeps every report the child makes. The server polls the actor and writes
the reports into the job table, exactly as it does for a local child. Because the actor outlives
the server, a restarted server (or another one sharing the job table) finds it by the job's id and
picks up where the table left off. Cancel stops the child's process group, then the actor.

``ray`` is imported only when a server is configured with this runner (``plugstack[ray]``).
"""

import asyncio
import contextlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from typing import IO, Any

from pydantic import BaseModel, Field

from plugstack.config.schema import RayRunnerConfig
from plugstack.jobs.child import output_line

ACTOR_PREFIX = "plugstack-job-"
KILL_GRACE_S = 3.0
CALL_TIMEOUT_S = 30.0  # one poll of an actor; a slower answer is retried on the next poll
STOP_MARGIN_S = 5.0  # past the child's grace period, the actor is killed anyway (e.g. one still waiting for resources)
INSTALL_HINT = "jobs.runner 'ray' needs the ray package: pip install 'plugstack[ray]'"


class RayUnavailableError(RuntimeError):
    """The configured cluster cannot be used; the message names the setting and says why."""


def check_reachable(config: RayRunnerConfig, timeout_s: float = 5.0) -> None:
    """Before the server starts: ray installed and the cluster's address answering, so a typo
    is one clear line rather than a traceback from ``ray.init`` during start-up."""
    if importlib.util.find_spec("ray") is None:
        raise RayUnavailableError(INSTALL_HINT)
    host, _, port = config.address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise RayUnavailableError(f"jobs.ray.address {config.address!r} is not 'host:port'")
    try:
        socket.create_connection((host, int(port)), timeout=timeout_s).close()
    except OSError as exc:
        raise RayUnavailableError(
            f"the Ray cluster at {config.address} (jobs.ray.address) is unreachable: {exc.strerror or exc}"
        ) from None


class RayReports(BaseModel):
    """What a job's actor has to tell since a given offset."""

    messages: list[dict[str, Any]] = Field(description="the child's reports, in order: progress, log, artifact, ...")
    returncode: int | None = Field(description="the child's exit code, once it has exited and every report is in")


class RayJobLost(Exception):
    """The job's actor is gone (killed, or its node died) or was never created."""


class JobActor:
    """Runs on the cluster (wrapped by ``ray.remote``): one job's child process and its reports."""

    def __init__(self, request: dict[str, Any], cwd: str) -> None:
        self._messages: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "plugstack.jobs.child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # bytes, not text: universal newlines would split \r redraws into lines
            # the server's working directory where this node has it (one machine), for job targets
            # importable from there, as a local child would have
            cwd=cwd if os.path.isdir(cwd) else None,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self._process.stdin and self._process.stdout and self._process.stderr
        self._process.stdin.write(json.dumps(request).encode())
        self._process.stdin.close()
        self._readers = [
            threading.Thread(target=self._read, args=(self._process.stdout, True), daemon=True),
            threading.Thread(target=self._read, args=(self._process.stderr, False), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: IO[bytes], reports: bool) -> None:
        for raw in stream:
            message: dict[str, Any] | None = None
            if reports:
                with contextlib.suppress(ValueError):  # not JSON, or not UTF-8
                    message = json.loads(raw)
            if not isinstance(message, dict):
                line = output_line(raw.decode(errors="replace"))
                message = {"type": "log", "line": line} if line else None
            if message is not None:
                with self._lock:
                    self._messages.append(message)

    def reports(self, offset: int) -> dict[str, Any]:
        done = self._process.poll() is not None and not any(reader.is_alive() for reader in self._readers)
        with self._lock:
            return {"messages": self._messages[offset:], "returncode": self._process.returncode if done else None}

    def stop(self) -> None:
        """SIGTERM the child's process group, SIGKILL it after a grace period."""
        if self._process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal.SIGTERM)
        try:
            self._process.wait(KILL_GRACE_S)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()


class RayRunner:
    """The server's side: start, poll, find and stop job actors. Ray's calls block, so each runs
    in a thread."""

    def __init__(self, config: RayRunnerConfig) -> None:
        self.config = config
        self._handles: dict[str, Any] = {}  # job id -> actor handle, to spare a lookup per poll

    async def connect(self) -> None:
        try:
            import ray
        except ImportError as exc:
            raise RuntimeError(INSTALL_HINT) from exc
        if not ray.is_initialized():
            await asyncio.to_thread(
                ray.init, address=self.config.address, namespace=self.config.namespace, log_to_driver=False
            )

    async def close(self) -> None:
        import ray

        await asyncio.to_thread(ray.shutdown)

    async def start(self, job_id: str, kind: str, request: dict[str, Any]) -> None:
        """Create the job's actor with the resources its kind asks for; it starts the child at once."""
        import ray

        resources = self.config.resources.get(kind, self.config.default_resources)
        actor_class = ray.remote(JobActor).options(
            name=ACTOR_PREFIX + job_id,
            namespace=self.config.namespace,
            lifetime="detached",
            num_cpus=resources.num_cpus,
            num_gpus=resources.num_gpus,
            max_restarts=0,
            max_concurrency=4,  # a poll or a stop is answered while another call waits
        )
        self._handles[job_id] = await asyncio.to_thread(actor_class.remote, request, os.getcwd())

    async def reports(self, job_id: str, offset: int) -> RayReports | None:
        """The reports since ``offset``; None when the actor did not answer in time (try again)."""
        import ray

        def call() -> dict[str, Any] | None:
            try:
                return ray.get(self._actor(job_id).reports.remote(offset), timeout=CALL_TIMEOUT_S)
            except ray.exceptions.GetTimeoutError:
                return None
            except ray.exceptions.RayActorError as exc:
                raise RayJobLost(f"the job's Ray actor died: {exc}") from exc

        answer = await asyncio.to_thread(call)
        return None if answer is None else RayReports.model_validate(answer)

    async def exists(self, job_id: str) -> bool:
        """Whether the job's actor is alive on the cluster (asked afresh, never from a kept handle)."""
        self._handles.pop(job_id, None)

        def call() -> bool:
            try:
                self._actor(job_id)
            except RayJobLost:
                return False
            return True

        return await asyncio.to_thread(call)

    async def stop(self, job_id: str) -> None:
        """Stop the child, then remove the actor (also once the job has ended: it holds resources)."""
        import ray

        def call() -> None:
            try:
                actor = self._actor(job_id)
            except RayJobLost:
                return
            with contextlib.suppress(ray.exceptions.RayError):
                ray.get(actor.stop.remote(), timeout=KILL_GRACE_S + STOP_MARGIN_S)
            ray.kill(actor, no_restart=True)
            self._handles.pop(job_id, None)

        await asyncio.to_thread(call)

    def _actor(self, job_id: str) -> Any:
        import ray

        if job_id not in self._handles:
            try:
                self._handles[job_id] = ray.get_actor(ACTOR_PREFIX + job_id, namespace=self.config.namespace)
            except ValueError as exc:
                raise RayJobLost(f"no Ray actor for job {job_id!r} in namespace {self.config.namespace!r}") from exc
        return self._handles[job_id]
