"""A real OpenAI-compatible server for remote-provider tests and benchmarks: llama-cpp-python's
server (`python -m llama_cpp.server`) on a GGUF file, on 127.0.0.1 and a free port."""

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.processes import stop, wait_healthy
from tests.support.server import free_port

START_TIMEOUT_S = 120.0


@dataclass
class Backend:
    base_url: str  # the OpenAI API root, .../v1
    port: int
    process: subprocess.Popen[str]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def llama_cpp_server(
    gguf: Path, log_dir: Path, alias: str, port: int | None = None, threads: int = 2
) -> Iterator[Backend]:
    """Serve ``gguf`` under the model id ``alias`` until the block ends."""
    port = port or free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"llama-cpp-server-{port}.log"
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", alias,
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", str(threads),
    ]  # fmt: skip
    with log_path.open("w") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, text=True)
    backend = Backend(f"http://127.0.0.1:{port}/v1", port, process, log_path)
    try:
        wait_healthy(process, f"{backend.base_url}/models", "llama_cpp.server", log_path, START_TIMEOUT_S)
        yield backend
    finally:
        stop(process)
