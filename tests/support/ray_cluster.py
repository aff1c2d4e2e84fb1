"""A real one-node Ray cluster for a test: `ray start --head` on 127.0.0.1, 2 CPUs, its own
temporary directory and free ports (outside Ray's worker port range), stopped afterwards."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.server import free_port

START_TIMEOUT_S = 240.0  # ~3.5 s on an idle machine, up to a minute on a loaded one
STOP_GRACE_S = 5.0
WORKER_PORTS = range(10002, 20000)  # Ray's default worker ports: the cluster's own must lie outside


@dataclass
class RayCluster:
    address: str
    temp_dir: Path


def _port() -> int:
    while (port := free_port()) in WORKER_PORTS:
        pass
    return port


@contextmanager
def ray_cluster(num_cpus: int = 2) -> Iterator[RayCluster]:
    """Start the head node and yield its address; its processes form one process group, which
    is what is stopped at the end (never `ray stop`, which stops every cluster of the machine)."""
    ray = Path(sys.executable).with_name("ray")
    if not ray.exists():
        raise RuntimeError("the ray CLI is not installed here: pip install 'plugstack[ray]'")
    # a short path: Ray's unix sockets live under it
    temp_dir = Path(tempfile.mkdtemp(prefix="ray", dir="/tmp"))
    port = _port()
    command = [
        str(ray), "start", "--head", "--num-cpus", str(num_cpus), "--num-gpus", "0",
        "--port", str(port), "--node-ip-address", "127.0.0.1", "--disable-usage-stats",
        "--include-dashboard", "false", "--dashboard-port", str(_port()),
        "--ray-client-server-port", str(_port()), "--temp-dir", str(temp_dir),
    ]  # fmt: skip
    started = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0"},
    )
    try:
        output, _ = started.communicate(timeout=START_TIMEOUT_S)
        if started.returncode != 0:
            raise RuntimeError(f"ray start failed ({started.returncode}):\n{output}")
        yield RayCluster(address=f"127.0.0.1:{port}", temp_dir=temp_dir)
    finally:
        _stop_group(started.pid)
        shutil.rmtree(temp_dir, ignore_errors=True)


def _stop_group(pgid: int) -> None:
    """SIGTERM the cluster's process group, SIGKILL what is left after a grace period."""
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + STOP_GRACE_S
    while time.monotonic() < deadline:
        if not _group_alive(pgid):
            return
        time.sleep(0.2)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        return


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True
