"""A real Chroma server (`chroma run`) on a free port for tests.

The server comes from its own venv, `.venv-chroma` (built by `make install-chroma`, which
`make test` runs): the `chromadb` server package brings uvicorn's optional loop and HTTP
parser (uvloop, httptools), which would change how every plugstack server in the main venv
runs. The main venv has only the HTTP client (`chromadb-client`), which `remote::chromadb` uses.
"""

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.processes import stop, wait_healthy
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
        wait_healthy(process, f"{url}/api/v2/heartbeat", "chroma", log_path, START_TIMEOUT_S, interval=0.2)
        yield url
    finally:
        stop(process)
