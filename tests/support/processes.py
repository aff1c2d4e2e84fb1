"""Waiting for a server process that tests start (plugstack, Chroma, llama_cpp.server, vLLM) to answer,
and stopping it."""

import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx


def wait_healthy(
    process: subprocess.Popen[Any],
    url: str,
    name: str,
    log_path: Path,
    timeout: float,
    interval: float = 0.1,
    log_tail: int | None = None,
) -> None:
    """Return once GET ``url`` answers 200. A process that exits first, or a server that does not
    answer within ``timeout`` seconds, raises with its log (the last ``log_tail`` characters);
    the caller stops the process."""

    def log() -> str:
        return log_path.read_text(errors="replace")[-log_tail if log_tail else 0 :]

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{log()}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(interval)
    raise RuntimeError(f"{name} not ready after {timeout} s:\n{log()}")


def stop(process: subprocess.Popen[Any], sig: int = signal.SIGTERM, grace: float = 20.0) -> None:
    """Send ``sig`` to a process still running; SIGKILL if it has not exited ``grace`` seconds later."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
