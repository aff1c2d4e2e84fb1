"""The core's own costs: `plugstack --help`, cold start to healthy, idle RSS.

Targets (issue 2): --help <= 0.3 s, cold start <= 1 s, idle RSS <= 100 MB for a stack
without in-process models. The stacks measured: the core alone, and a stack of a remote
provider (remote::vllm pointing at an address where nothing listens) when it is installed.
"""

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from plugstack.plugins import get_catalog
from tests.support.server import run_server

RUNS = 7
CORE_ONLY = "version: 1\ndistribution: bench-core\napis: []\n"
REMOTE = """\
version: 1
distribution: bench-remote
apis: [inference]
providers:
  inference:
    - provider_id: vllm
      provider_type: remote::vllm
      config:
        url: http://127.0.0.1:9/v1
"""


def _median_s(command: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _start(config: str) -> tuple[float, float]:
    """Seconds from process start to the first healthy answer, and RSS once idle."""
    starts, rss = [], []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            with run_server(config, Path(tmp)) as server:
                starts.append(time.perf_counter() - started)
                time.sleep(1.0)
                rss.append(_rss_mb(server.process.pid))
    return statistics.median(starts), statistics.median(rss)


def main() -> dict[str, float]:
    plugstack = str(Path(sys.executable).with_name("plugstack"))
    results = {
        "help_s": _median_s([plugstack, "--help"]),
        "python_startup_s": _median_s([sys.executable, "-c", "pass"]),
    }
    results["core_cold_start_s"], results["core_idle_rss_mb"] = _start(CORE_ONLY)
    if "remote::vllm" in get_catalog().provider_types():
        results["remote_cold_start_s"], results["remote_idle_rss_mb"] = _start(REMOTE)
    print(f"{'measure':<40} {'value':>10}  target")
    targets = {
        "help_s": "<= 0.3 s",
        "core_cold_start_s": "<= 1 s",
        "core_idle_rss_mb": "<= 100 MB",
        "remote_cold_start_s": "<= 1 s",
        "remote_idle_rss_mb": "<= 100 MB",
    }
    for key, value in results.items():
        print(f"{key:<40} {value:>10.3f}  {targets.get(key, '')}")
    return results
