"""Runs Python in the sandboxed child (sandbox_child.py) and collects what it printed.

The server side of the sandbox: a throwaway working directory, an environment with nothing of
the server's in it, the wall clock (the whole process group is killed at the limit), and output
cut at a size. What the child does to itself is described in sandbox_child.py.
"""

import asyncio
import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, Field

from plugstack_code_interpreter.config import CodeInterpreterConfig

CHILD = Path(__file__).with_name("sandbox_child.py")
PIPE_DRAIN_S = 2.0  # after a kill, how long to wait for the pipes to close


class Isolation(BaseModel):
    """The kernel layers this machine offers, probed once at start-up."""

    landlock_abi: int = Field(description="0: no Landlock (files outside the directory are readable)")
    namespaces: bool = Field(description="network + PID namespaces (no network; no process outlives a run)")
    seccomp: bool = Field(description="a seccomp filter against Unix sockets (x86-64 and aarch64)")

    @property
    def complete(self) -> bool:
        return self.landlock_abi >= 4 and self.namespaces and self.seccomp

    def describe(self) -> str:
        layers = ["rlimits", "wall clock", "socket audit hook"]
        if self.namespaces:
            layers.append("network+PID namespaces")
        if self.landlock_abi:
            layers.append(f"Landlock ABI {self.landlock_abi}")
        if self.seccomp and self.landlock_abi:
            layers.append("seccomp (no Unix sockets)")
        return ", ".join(layers)


@dataclass(frozen=True)
class Output:
    text: str
    truncated: bool


@dataclass(frozen=True)
class Run:
    exit_code: int | None  # None when killed at the wall-clock limit
    stdout: Output
    stderr: Output
    timed_out: bool
    duration_s: float


def _environment(workdir: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": workdir,
        "TMPDIR": workdir,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }


async def probe() -> Isolation:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-I", str(CHILD), json.dumps({"probe": True}), stdout=asyncio.subprocess.PIPE
    )
    stdout, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"the sandbox probe exited with {process.returncode}")
    return Isolation.model_validate_json(stdout)


async def _read_capped(stream: asyncio.StreamReader, limit: int) -> Output:
    """Up to ``limit`` characters; the rest is read and dropped, so the child never blocks on a full pipe."""
    kept = bytearray()
    dropped = 0
    while chunk := await stream.read(65536):
        room = max(limit * 4 - len(kept), 0)  # bytes: up to 4 per character
        kept += chunk[:room]
        dropped += len(chunk) - min(room, len(chunk))
    text = kept.decode(errors="replace")
    if dropped or len(text) > limit:
        return Output(f"{text[:limit]}\n[... output truncated at {limit} characters]", True)
    return Output(text, False)


def _kill_group(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


async def run_python(code: str, config: CodeInterpreterConfig, isolation: Isolation, scratch: Path) -> Run:
    workdir = tempfile.mkdtemp(prefix="run-", dir=scratch)
    settings = {
        "workdir": workdir,
        "memory_bytes": config.memory_mb * 2**20,
        "cpu_seconds": int(config.timeout_s) + 1,
        "file_bytes": config.max_file_mb * 2**20,
        "namespaces": isolation.namespaces,
        "landlock_abi": isolation.landlock_abi,
        "seccomp": isolation.seccomp and isolation.landlock_abi > 0,  # needs no_new_privs, set with Landlock
    }
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-I",
        str(CHILD),
        json.dumps(settings),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=workdir,
        env=_environment(workdir),
        start_new_session=True,  # its own process group, killed as one
    )
    assert process.stdin and process.stdout and process.stderr
    readers = asyncio.gather(
        _read_capped(process.stdout, config.max_output_chars), _read_capped(process.stderr, config.max_output_chars)
    )
    timed_out = False
    try:
        async with asyncio.timeout(config.timeout_s):
            process.stdin.write(code.encode())
            await process.stdin.drain()
            process.stdin.close()
            await process.wait()
    except TimeoutError:
        timed_out = True
    except (BrokenPipeError, ConnectionResetError):
        await process.wait()  # it died before reading its code: its stderr says why
    finally:
        _kill_group(process)  # whatever it started in its group goes with it
        await process.wait()
        try:
            stdout, stderr = await asyncio.wait_for(readers, PIPE_DRAIN_S)
        except TimeoutError:  # something outside its group still holds a pipe
            stdout = stderr = Output("", True)
        shutil.rmtree(workdir, ignore_errors=True)
    return Run(
        exit_code=None if timed_out else process.returncode,
        stdout=stdout,
        stderr=stderr,
        timed_out=timed_out,
        duration_s=time.monotonic() - started,
    )
