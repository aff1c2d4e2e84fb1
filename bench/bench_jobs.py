"""Job start latency: the local runner (a child process of the server) vs the Ray runner (a
detached actor on a local one-node cluster, which starts the same child), issue 17.

- first report: from ``submit`` until the child's first progress report is in the job table
  (what a user waits for before a job shows signs of life);
- completed: until the job table says completed, for a job whose work is negligible.
Both on SQLite in a temporary directory; the cluster is started once (`ray start --head`,
2 CPUs) and its start-up is not counted.
"""

import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from plugstack.config.schema import RayRunnerConfig, SqliteBackendConfig
from plugstack.jobs.manager import JobManager
from plugstack.jobs.models import JobStatus
from plugstack.jobs.ray_runner import RayRunner
from plugstack.storage.backends import open_backend
from tests.support.ray_cluster import ray_cluster

RUNS = 5
TINY_JOB = "tests.support.job_kinds:count_primes"
TIMEOUT_S = 300.0


def _summary(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {"p50_s": round(statistics.median(times), 3), "max_s": round(times[-1], 3)}


async def _measure(state_dir: Path, ray: RayRunner | None) -> dict[str, dict[str, float]]:
    backend = await open_backend("bench", SqliteBackendConfig(path="bench.db"), state_dir)
    manager = JobManager(backend, ray=ray)
    await manager.initialize()
    first_report, completed = [], []
    try:
        for _ in range(RUNS):
            started = time.perf_counter()
            job = await manager.submit("bench", TINY_JOB, {"limit": 20, "out_dir": str(state_dir)})
            while not (await manager.get(job.id)).progress:
                assert time.perf_counter() - started < TIMEOUT_S, "the job never reported"
                await asyncio.sleep(0.005)
            first_report.append(time.perf_counter() - started)
            done = await manager.wait(job.id, TIMEOUT_S)
            assert done.status == JobStatus.completed, done.error
            completed.append(time.perf_counter() - started)
    finally:
        await manager.shutdown()
        await backend.aclose()
    return {"first_report": _summary(first_report), "completed": _summary(completed)}


def main() -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["local"] = asyncio.run(_measure(Path(tmp), None))
    with ray_cluster(num_cpus=2) as cluster, tempfile.TemporaryDirectory() as tmp:
        results["ray"] = asyncio.run(_measure(Path(tmp), RayRunner(RayRunnerConfig(address=cluster.address))))
    for runner in ("local", "ray"):
        cells = "  ".join(
            f"{what} p50 {value['p50_s']:6.2f} s max {value['max_s']:6.2f} s" for what, value in results[runner].items()
        )
        print(f"{runner:6} runner  {cells}  ({RUNS} jobs)")
    return results
