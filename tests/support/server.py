"""Start the real server (`plugstack run`, uvicorn on 127.0.0.1, a free port) for a test."""

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.processes import stop, wait_healthy

# A stack that loads an embedding model starts in seconds on a quiet machine but can take minutes
# on a loaded one; a server that never comes up still fails, only later.
START_TIMEOUT_S = float(os.environ.get("PLUGSTACK_TEST_START_TIMEOUT_S", "300"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningServer:
    base_url: str
    process: subprocess.Popen[str]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        stop(self.process, sig)


@contextmanager
def run_server(
    config: str | Path,
    state_dir: Path,
    env: dict[str, str] | None = None,
    timeout: float = START_TIMEOUT_S,
    python: str | Path | None = None,
    port: int | None = None,
) -> Iterator[RunningServer]:
    """Serve ``config`` (a distribution name, a run.yaml path, or YAML text) until the block ends.

    ``python`` is the interpreter that runs the server (default this one's), e.g. another venv's
    where plugstack is installed with engines that do not fit this one. ``port``: a fixed one, for a
    server restarted at the same address (default a free one)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    if isinstance(config, str) and "\n" in config:
        path = state_dir / "run.yaml"
        path.write_text(config)
        config = path
    port = port or free_port()
    log_path = state_dir / f"server-{port}.log"
    process_env = {**os.environ, "PLUGSTACK_STATE_DIR": str(state_dir), **(env or {})}
    interpreter = str(python or sys.executable)
    command = [interpreter, "-m", "plugstack.cli", "run", str(config), "--host", "127.0.0.1", "--port", str(port)]
    with log_path.open("w") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, env=process_env, text=True)
    server = RunningServer(f"http://127.0.0.1:{port}", process, log_path)
    try:
        wait_healthy(process, f"{server.base_url}/v1/health", "server", log_path, timeout, interval=0.05)
        yield server
    finally:
        server.stop()
