"""`type: postgres` in run.yaml: schema errors name the field; a database that cannot be reached
stops `plugstack run` with one line naming the backend and why (exit 3, no traceback)."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.server import free_port

HEAD = """version: 1
distribution: pg-config
apis: [datasetio]
providers:
  datasetio:
    - {provider_id: localfs, provider_type: inline::localfs}
storage:
  backends:
"""


def plugstack(tmp_path: Path, command: str, backend: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "run.yaml"
    config.write_text(HEAD + f"    default: {backend}\n")
    args = [sys.executable, "-m", "plugstack.cli", command, str(config)]
    env = {"PLUGSTACK_STATE_DIR": str(tmp_path / "state"), "PATH": "/usr/bin:/bin"}
    return subprocess.run(args, capture_output=True, text=True, timeout=60, env=env)


@pytest.mark.parametrize(
    ("backend", "message"),
    [
        ("{type: postgres}", "give dsn, or host and db"),
        ('{type: postgres, dsn: "postgresql://h/db", host: h}', "give either dsn or host/db/user/password"),
        ("{type: postgres, host: h, db: d, port: 0}", "port: Input should be greater than or equal to 1"),
        ("{type: postgres, dsn: x, pool_size: 3}", "unknown field"),
    ],
)
def test_schema_errors(tmp_path: Path, backend: str, message: str) -> None:
    result = plugstack(tmp_path, "validate", backend)
    assert result.returncode == 2 and message in result.stderr, result.stderr


def test_unreachable_database_is_one_clear_line(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    backend = f"{{type: postgres, host: 127.0.0.1, port: {port}, db: state, user: u, password: s3cret, "
    result = plugstack(tmp_path, "run", backend + "connect_timeout_s: 2}")
    assert result.returncode == 3, result.stderr
    assert f"storage backend 'default' (postgres, 127.0.0.1:{port}/state) is unavailable" in result.stderr
    assert "Traceback" not in result.stderr and "s3cret" not in result.stderr


def test_malformed_dsn_is_one_clear_line(tmp_path: Path) -> None:
    result = plugstack(tmp_path, "run", '{type: postgres, dsn: "host=h port"}')
    assert result.returncode == 3, result.stderr
    assert "storage backend 'default' (postgres, malformed dsn) is unavailable" in result.stderr
    assert "Traceback" not in result.stderr
