"""Trial runs of native engines in a child process, so a crash costs a child, not the server.

A llama.cpp built for another CPU, an instruction the kernel refuses, a driver mismatch: these
fail as signals (SIGSEGV, SIGILL) that no Python ``except`` catches, and they would take every
API of the stack down with the one model. A provider calls :func:`verify_in_child` with a short
real workload before it loads the engine in-process; if the child dies, the provider reports why
(the signal, this CPU's features, the last lines the child wrote) and the server goes on.

A pass is remembered under a key the provider chooses (engine binaries, model file, CPU), so
later starts on the same machine skip the trial; failures are never cached.
"""

import asyncio
import hashlib
import importlib
import json
import os
import platform
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from plugstack.errors import ProviderUnavailableError

CACHE_DIR_ENV = "PLUGSTACK_CACHE_DIR"
DEFAULT_TIMEOUT_S = 300.0
STDERR_TAIL_CHARS = 1500
# The features that decide which kernels a CPU engine can run, in the order people read them.
CPU_FEATURES = (
    "sse4_2",
    "avx",
    "avx2",
    "fma",
    "f16c",
    "avx512f",
    "avx512bw",
    "avx512_vnni",
    "avx512_bf16",
    "avx512_fp16",
    "amx_tile",
    "amx_int8",
    "amx_bf16",
)


class EngineCheckFailedError(ProviderUnavailableError):
    """The trial run died or failed: the engine cannot serve on this machine as built."""


def cpu_features() -> str:
    """This CPU's architecture and engine-relevant features, e.g. ``x86_64: avx avx2 fma f16c``."""
    flags: set[str] = set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("flags", "Features"):
                flags = set(value.split())
                break
    except OSError:
        pass
    present = [feature for feature in CPU_FEATURES if feature in flags]
    return f"{platform.machine()}: {' '.join(present) or 'no listed features'}"


def cache_dir() -> Path:
    """Where passes are remembered: ``$PLUGSTACK_CACHE_DIR`` or ``~/.cache/plugstack``, per machine."""
    root = os.environ.get(CACHE_DIR_ENV) or Path(os.environ.get("XDG_CACHE_HOME") or "~/.cache") / "plugstack"
    return Path(root).expanduser() / "engine-checks"


def file_identity(path: Path) -> list[Any]:
    """What changes when a file is rebuilt or replaced: its resolved path, size and mtime."""
    stat = path.stat()
    return [str(path.resolve()), stat.st_size, stat.st_mtime_ns]


def _record(key: dict[str, Any]) -> Path:
    digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:24]
    return cache_dir() / f"{digest}.json"


def _describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"crashed: killed by {name} (signal {-returncode})"
    return f"failed with exit code {returncode}"


async def verify_in_child(
    target: str,
    payload: dict[str, Any],
    *,
    what: str,
    cache_key: dict[str, Any] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> float | None:
    """Run ``target`` (``"module:function"``, called with ``**payload``) in a fresh interpreter.

    Returns the trial's duration in seconds, or None when a cached pass made it unnecessary;
    raises :class:`EngineCheckFailedError` naming ``what``, the exit signal and the CPU when the
    child does not finish cleanly. ``payload`` must be JSON.
    """
    record = _record({"target": target, "cpu": cpu_features(), **cache_key}) if cache_key is not None else None
    if record is not None and record.exists():
        return None
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "plugstack.engines.guard",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    request = json.dumps({"target": target, "payload": payload}).encode()
    try:
        _, stderr = await asyncio.wait_for(process.communicate(request), timeout_s)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise EngineCheckFailedError(
            f"{what}: the trial run did not finish within {timeout_s:.0f} s (CPU {cpu_features()})"
        ) from None
    elapsed = time.monotonic() - started
    assert process.returncode is not None
    if process.returncode != 0:
        tail = stderr.decode(errors="replace").strip()[-STDERR_TAIL_CHARS:]
        raise EngineCheckFailedError(
            f"{what}: the trial run in a child process {_describe_exit(process.returncode)} "
            f"(CPU {cpu_features()})" + (f"; it wrote: {tail}" if tail else "")
        )
    if record is not None:
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(json.dumps({"target": target, "key": cache_key, "seconds": round(elapsed, 3)}, default=str))
    return elapsed


def _child_main() -> int:
    """The child's side: read ``{target, payload}`` from stdin, run it, exit 0 if it returned."""
    request = json.loads(sys.stdin.read())
    module_name, _, function_name = request["target"].partition(":")
    try:
        function = getattr(importlib.import_module(module_name), function_name)
        function(**request["payload"])
    except Exception:  # noqa: BLE001 - reported to the parent through stderr and the exit code
        traceback.print_exc(limit=3)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_child_main())
