"""A real Chroma server (`chroma run`) on a free port for tests.

The server comes from its own venv, `.venv-chroma` (built by `make install-chroma`, which
`make test` runs): the `chromadb` server package brings uvicorn's optional loop and HTTP
parser (uvloop, httptools), which would change how every plugstack server in the main venv
runs. The main venv has only the HTTP client (`chromadb-client`), which `remote::chromadb` uses.
"""

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.support.server import free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMA = ROOT / ".venv-chroma" / "bin" / "chroma"
START_TIMEOUT_S = 60.0
requires_chroma = pytest.mark.skipif(
    not CHROMA.exists(), reason=f"{CHROMA} does not exist: `make install-chroma` (run by `make test`) builds it"
)


@contextmanager
def run_chroma(data_dir: Path) -> Iterator[str]:
    """Serves a Chroma database in ``data_dir`` until the block ends; yields its URL."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = data_dir / f"chroma-{port}.log"
    command = [str(CHROMA), "run", "--path", str(data_dir / "db"), "--host", "127.0.0.1", "--port", str(port)]
    with log_path.open("w") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log_path)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chroma exited with {process.returncode}:\n{log_path.read_text(errors='replace')}")
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"chroma did not answer within {START_TIMEOUT_S} s:\n{log_path.read_text(errors='replace')}")
