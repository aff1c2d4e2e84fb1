"""Opening run.yaml's named storage backends: the one place that knows each backend type."""

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from plugstack.config.schema import PostgresBackendConfig, SqliteBackendConfig, StorageConfig
from plugstack.storage.kv import KVStore
from plugstack.storage.sql import SqlStore
from plugstack.storage.sqlite import SqliteBackend

if TYPE_CHECKING:
    from plugstack.storage.postgres import PostgresBackend

POSTGRES_INSTALL_HINT = "pip install 'plugstack[postgres]'"


class StorageBackend(KVStore, SqlStore, Protocol):
    async def aclose(self) -> None: ...


class StorageUnavailableError(RuntimeError):
    """A backend cannot be opened; the message names it and says why (never the password)."""


async def open_backends(storage: StorageConfig, state_dir: Path) -> dict[str, StorageBackend]:
    """Every backend, opened; on a failure those already open are closed again."""
    opened: dict[str, StorageBackend] = {}
    try:
        for name, config in storage.backends.items():
            opened[name] = await open_backend(name, config, state_dir)
    except BaseException:
        for backend in opened.values():
            await backend.aclose()
        raise
    return opened


async def check_reachable(storage: StorageConfig) -> None:
    """Open and close each database server backend (raises StorageUnavailableError)."""
    for name, config in storage.backends.items():
        if isinstance(config, PostgresBackendConfig):
            await (await _open_postgres(name, config)).aclose()


async def open_backend(
    name: str, config: SqliteBackendConfig | PostgresBackendConfig, state_dir: Path
) -> StorageBackend:
    if isinstance(config, SqliteBackendConfig):
        path = Path(config.path).expanduser()
        return SqliteBackend(path if path.is_absolute() else state_dir / path)
    return await _open_postgres(name, config)


async def _open_postgres(name: str, config: PostgresBackendConfig) -> "PostgresBackend":
    try:
        from plugstack.storage import postgres
    except ImportError as exc:
        raise StorageUnavailableError(
            f"storage backend {name!r} (postgres) needs psycopg and psycopg-pool ({POSTGRES_INSTALL_HINT}): {exc}"
        ) from None
    try:
        return await postgres.PostgresBackend.open(config)
    except postgres.CONNECT_ERRORS as exc:
        reason = str(exc).strip() or type(exc).__name__
        where = postgres.describe(config)
        raise StorageUnavailableError(
            f"storage backend {name!r} (postgres, {where}) is unavailable: {reason}"
        ) from None
