"""A real PostgreSQL server for tests, and the fixtures that run storage tests on each backend:
``storage_backend`` opens a backend in the test's process, ``state_storage`` points a test
server's run.yaml at one.

The server: ``initdb`` + ``pg_ctl`` in a temporary directory, on
127.0.0.1 and a free port, its unix socket in that directory.

The server refuses to run as root, so as root it runs as the ``postgres`` user (which owns the
directory). Durability is switched off (fsync, synchronous_commit): a test database is thrown
away. The Makefile installs Debian's ``postgresql`` package where it is missing.
"""

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import yaml

from plugstack.config.schema import PostgresBackendConfig, SqliteBackendConfig
from plugstack.storage.backends import StorageBackend, open_backend
from tests.support.server import free_port

SUPERUSER = "plugstack"
START_TIMEOUT_S = 30
SERVER_POOL_SIZE = 4  # connections a test server opens at most: several run at once


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries here, or they would not start: the reason, for a skip."""


@dataclass
class PostgresServer:
    host: str
    port: int
    socket_dir: Path

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@{self.host}:{self.port}/{database}"

    def create_schema(self) -> str:
        """A new empty schema (cheaper than a database); returns a DSN whose tables go there."""
        name = f"test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {name}")
        return f"{self.dsn()}?options=-csearch_path%3D{name}"


def bin_dir() -> Path | None:
    """Where initdb and pg_ctl are: on PATH, else the newest of Debian's versioned directories."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(candidates[-1]).parent if candidates else None


def _as_server_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    runner = shutil.which("runuser")
    if runner is None:
        raise PostgresUnavailable("running as root without runuser: cannot start PostgreSQL as 'postgres'")
    return [runner, "-u", "postgres", "--"]


def _run(command: list[str], what: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=START_TIMEOUT_S)
    if result.returncode != 0:
        raise PostgresUnavailable(f"{what} failed ({result.returncode}): {result.stderr.strip() or result.stdout}")


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """Run a throw-away PostgreSQL server until the block ends (raises PostgresUnavailable)."""
    binaries = bin_dir()
    if binaries is None:
        raise PostgresUnavailable("no PostgreSQL server binaries (initdb, pg_ctl); `make test` installs them")
    prefix = _as_server_user()
    # not under pytest's tmp_path: that is private to root, and the server runs as 'postgres'
    home = Path(tempfile.mkdtemp(prefix="plugstack-pg-"))
    data = home / "data"
    if prefix:
        shutil.chown(home, "postgres", "postgres")
    port = free_port()
    options = f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
    try:
        _run([*prefix, str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", SUPERUSER, "-E", "UTF8",
              "--no-sync"], "initdb")  # fmt: skip
        _run([*prefix, str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(home / "server.log"),
              "-w", "-t", str(START_TIMEOUT_S), "start"], "pg_ctl start")  # fmt: skip
        try:
            yield PostgresServer(host="127.0.0.1", port=port, socket_dir=home)
        finally:
            subprocess.run([*prefix, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                           capture_output=True, timeout=START_TIMEOUT_S)  # fmt: skip
    finally:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the session; tests skip with the reason where none can run."""
    try:
        with postgres_server() as server:
            yield server
    except PostgresUnavailable as exc:
        pytest.skip(f"PostgreSQL unavailable: {exc}")


@pytest.fixture
def postgres_dsn(postgres: PostgresServer) -> str:
    """A DSN whose tables live in a schema of their own: each test starts empty."""
    return postgres.create_schema()


@pytest.fixture(params=["sqlite", "postgres"])
async def storage_backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[StorageBackend]:
    """Each backend type in turn, opened as run.yaml's ``storage.backends`` would open it."""
    config: SqliteBackendConfig | PostgresBackendConfig
    if request.param == "sqlite":
        config = SqliteBackendConfig(path="state.db")
    else:
        config = PostgresBackendConfig(type="postgres", dsn=request.getfixturevalue("postgres_dsn"))
    backend = await open_backend("default", config, tmp_path)
    try:
        yield backend
    finally:
        await backend.aclose()


@dataclass(frozen=True)
class StateStorage:
    """Where a test server keeps its state: the default SQLite file, or a PostgreSQL schema."""

    kind: str  # "sqlite" or "postgres"
    dsn: str | None = None  # the schema's DSN, for postgres

    def config(self) -> SqliteBackendConfig | PostgresBackendConfig:
        if self.dsn is None:
            return SqliteBackendConfig(path="plugstack.db")  # run.yaml's default backend
        return PostgresBackendConfig(type="postgres", dsn=self.dsn, pool_max_size=SERVER_POOL_SIZE)

    def apply(self, run_yaml: str) -> str:
        """``run_yaml`` with every part of the stack's state on this backend (SQLite: unchanged)."""
        if self.dsn is None:
            return run_yaml
        config = yaml.safe_load(run_yaml)
        backend = {"type": "postgres", "dsn": self.dsn, "pool_max_size": SERVER_POOL_SIZE}
        config.setdefault("storage", {})["backends"] = {"default": backend}
        return yaml.safe_dump(config, sort_keys=False)

    async def open(self, state_dir: Path) -> StorageBackend:
        """The same backend the server on ``state_dir`` uses, opened in the test's process."""
        return await open_backend("default", self.config(), state_dir)


SQLITE = StateStorage("sqlite")
STATE_BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(params=STATE_BACKENDS)
def state_storage(request: pytest.FixtureRequest) -> StateStorage:
    """Each backend in turn for a test's servers; every test gets an empty PostgreSQL schema."""
    if request.param == "sqlite":
        return SQLITE
    return StateStorage("postgres", request.getfixturevalue("postgres_dsn"))
