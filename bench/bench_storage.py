"""PostgreSQL vs SQLite on the storage hot paths (issue 17), p50/p95 per operation.

- registry check: what every request pays so several servers share one registry (one read
  of the version token, then a dict lookup);
- registry reload: what a server pays once after another server changed the registry;
- job progress write, log line append, status read: what a running job and its followers pay.
Both backends are opened as run.yaml opens them; PostgreSQL is a local throw-away server over
TCP on 127.0.0.1 (a remote database adds the network round trip to each operation).
"""

import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from plugstack.apis.declaration import get_declaration
from plugstack.apis.names import Api
from plugstack.config.schema import PostgresBackendConfig, SqliteBackendConfig
from plugstack.jobs.manager import JobManager
from plugstack.plugins import PluginInfo
from plugstack.registry.handles import ProviderHandle
from plugstack.registry.routing import RoutingTable
from plugstack.registry.store import ResourceStore
from plugstack.registry.sync import RegistrySync
from plugstack.spec import ProviderSpec
from plugstack.storage.backends import StorageBackend, open_backend
from plugstack.storage.kv import NamespacedKV
from tests.support.postgres import PostgresUnavailable, postgres_server

RUNS = 500
RELOADS = 30
MODELS = 100


async def _timed(operation: Callable[[int], Awaitable[Any]], runs: int) -> dict[str, float]:
    times = []
    for index in range(runs):
        started = time.perf_counter()
        await operation(index)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 3), "p95_ms": round(times[int(len(times) * 0.95)], 3)}


class _NoConfig(BaseModel):
    pass


def _provider() -> ProviderHandle:
    """A configured provider for the models to route to (a table serves no model without one)."""

    async def build(config: BaseModel, context: Any) -> object:
        return object()

    spec = ProviderSpec(api=Api.inference, provider_type="inline::bench", config_class=_NoConfig, factory=build)
    return ProviderHandle("p", spec, _NoConfig(), PluginInfo("bench", "bench", "0"), impl=object())


async def _measure(backend: StorageBackend) -> dict[str, dict[str, float]]:
    store = ResourceStore(NamespacedKV(backend, "registry"))
    kind = next(r.kind for r in get_declaration(Api.inference).resources if r.kind.registered_key == "models")  # type: ignore[union-attr]
    table = RoutingTable(kind, store, [_provider()])
    sync = RegistrySync(store, {"models": table})
    for n in range(MODELS):
        await store.put(kind, kind.resource_class(identifier=f"model-{n}", provider_id="p", type=kind.type))
    await sync()

    async def check(index: int) -> None:
        await sync()
        table.get(f"model-{index % MODELS}")

    async def reload(index: int) -> None:
        await table.reload()

    jobs = JobManager(backend)
    await jobs.initialize()
    job = await jobs.submit_task("bench", _forever, {})

    results = {
        "registry check (per request)": await _timed(check, RUNS),
        f"registry reload ({MODELS} models)": await _timed(reload, RELOADS),
        "job progress write": await _timed(lambda i: jobs._set_progress(job.id, {"step": i, "loss": 0.5}), RUNS),
        "job log append": await _timed(lambda i: jobs._append_log(job.id, f"step {i}"), RUNS),
        "job status read": await _timed(lambda i: jobs.get(job.id), RUNS),
    }
    await jobs.shutdown()
    return results


async def _forever(reporter: Any) -> None:
    await asyncio.sleep(3600)


async def _run(config: SqliteBackendConfig | PostgresBackendConfig, state_dir: Path) -> dict[str, dict[str, float]]:
    backend = await open_backend("bench", config, state_dir)
    try:
        return await _measure(backend)
    finally:
        await backend.aclose()


def main() -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = asyncio.run(_run(SqliteBackendConfig(path="bench.db"), Path(tmp)))
    try:
        with postgres_server() as server:
            config = PostgresBackendConfig(type="postgres", dsn=server.create_schema())
            results["postgres"] = asyncio.run(_run(config, Path(".")))
    except PostgresUnavailable as exc:
        results["postgres"] = f"skipped: {exc}"
    for operation in results["sqlite"]:
        row = [f"{operation:32}"]
        for name in ("sqlite", "postgres"):
            value = results[name]
            cell = value[operation] if isinstance(value, dict) else None
            row.append(f"{name} p50 {cell['p50_ms']:7.3f} ms p95 {cell['p95_ms']:7.3f} ms" if cell else f"{name} -")
        print("  ".join(row))
    if isinstance(results["postgres"], str):
        print(results["postgres"])
    return results
