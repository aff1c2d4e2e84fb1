"""vLLM for tests: its own venv (`.venv-vllm`, built by `make test`: vLLM pins a transformers
older than the main venv's), and its OpenAI-compatible server started from there."""

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.processes import wait_healthy
from tests.support.server import free_port

ROOT = Path(__file__).resolve().parents[2]
VLLM_VENV = ROOT / ".venv-vllm"
VLLM_PYTHON = VLLM_VENV / "bin" / "python"
START_TIMEOUT_S = 300.0

requires_vllm_venv = pytest.mark.skipif(
    not VLLM_PYTHON.exists(), reason=f"{VLLM_VENV} does not exist: `make test` (or `make install-vllm`) builds it"
)

# vLLM's CPU backend: fp32 (bf16 is slow and worse on AVX2), a 2 GiB KV cache, nothing online.
VLLM_ENV = {
    "VLLM_CPU_KVCACHE_SPACE": "2",
    "OMP_WAIT_POLICY": "PASSIVE",
    "HF_HUB_OFFLINE": "1",
    "VLLM_NO_USAGE_STATS": "1",
    "DO_NOT_TRACK": "1",
}


@dataclass
class VLLMServer:
    base_url: str  # the OpenAI API root, .../v1
    process: subprocess.Popen[str]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def vllm_server(model_dir: Path, log_dir: Path, served_name: str, *args: str) -> Iterator[VLLMServer]:
    """`python -m vllm.entrypoints.openai.api_server` (the `vllm` console script is broken in
    vllm-cpu) on ``model_dir`` under the id ``served_name``, until the block ends. It runs in
    its own session, so its engine processes are ended with it whatever happens."""
    port = free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"vllm-server-{port}.log"
    command = [
        str(VLLM_PYTHON), "-m", "vllm.entrypoints.openai.api_server", "--model", str(model_dir),
        "--served-model-name", served_name, "--dtype", "float32", "--enforce-eager", "--max-model-len", "2048",
        "--host", "127.0.0.1", "--port", str(port), *args,
    ]  # fmt: skip
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            command,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env={**os.environ, **VLLM_ENV},
            text=True,
            start_new_session=True,
        )
    server = VLLMServer(f"http://127.0.0.1:{port}/v1", process, log_path)
    try:
        url = f"{server.base_url}/models"
        wait_healthy(process, url, "vLLM server", log_path, START_TIMEOUT_S, interval=0.5, log_tail=5000)
        yield server
    finally:
        stop_group(process)


def stop_group(process: subprocess.Popen[str], timeout: float = 30) -> None:
    """SIGTERM to ``process``'s whole session (it was started in a new one), SIGKILL if it lingers."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # engine workers left behind, if any
    process.wait()
