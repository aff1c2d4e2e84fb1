"""What choosing among `remote::vllm` replicas costs (core/src/plugstack/remote/balancer.py).

1. In-process: a request's lease (``pick``, ``send``, ``done``) for one URL (the shortcut)
   and for two, four and sixteen replicas.
2. End to end: the same chat request through plugstack in front of zero-work backends, with
   `url` (one replica) and with `urls` (two), interleaved so drift hits both alike:
   sequential latency and 8 concurrent clients' throughput.
"""

import asyncio
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

from plugstack.remote.balancer import Balancer
from plugstack.remote.http1 import Http1Client
from tests.support.server import run_server
from tests.support.zero_backend import MODEL, zero_backend

LEASES = 100_000
SEQUENTIAL = 200
CLIENTS, PER_CLIENT = 8, 50
BODY = {"model": MODEL, "messages": [{"role": "user", "content": "Name a colour."}], "max_tokens": 8}


class Reply:
    """Stands in for a backend's response in the in-process measurement (only its identity counts)."""


async def _ready(reply: Reply) -> Reply:
    return reply


def lease_cost_us(replicas: int) -> float:
    """Microseconds for a request's whole lease: pick, send (an already-answered request), done."""
    balancer = Balancer([f"http://127.0.0.1:{9000 + i}/v1" for i in range(replicas)], "bench", Http1Client({}))

    async def run() -> float:
        start = time.process_time()  # CPU time: waiting for a core on a busy machine is not counted
        for _ in range(LEASES):
            backend = balancer.pick()
            balancer.done(await balancer.send(backend, _ready(Reply())))  # type: ignore[arg-type]
        return (time.process_time() - start) / LEASES * 1e6

    return asyncio.run(run())


def run_yaml(config: str) -> str:
    return f"""version: 1
distribution: bench-balancer
apis: [inference]
providers:
  inference:
    - provider_id: vllm
      provider_type: remote::vllm
      config: {{{config}, max_retries: 0, discovery_interval_s: 0}}
registered_resources:
  models:
    - {{model_id: {MODEL}, provider_id: vllm}}
"""


async def sequential(urls: dict[str, str]) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in urls}
    async with httpx.AsyncClient(timeout=60) as client:
        for _ in range(SEQUENTIAL):
            for name, url in urls.items():
                start = time.perf_counter()
                (await client.post(url, json=BODY)).raise_for_status()
                times[name].append(time.perf_counter() - start)
    return times


async def throughput(url: str) -> float:
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=CLIENTS)) as client:

        async def one_client() -> None:
            for _ in range(PER_CLIENT):
                (await client.post(url, json=BODY)).raise_for_status()

        start = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(CLIENTS)))
        return CLIENTS * PER_CLIENT / (time.perf_counter() - start)


def main() -> dict[str, object]:
    results: dict[str, object] = {f"lease_us_{n}_replicas": round(lease_cost_us(n), 3) for n in (1, 2, 4, 16)}
    for name, value in results.items():
        print(f"{name}: {value} µs")
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as running:
        a = running.enter_context(zero_backend())
        b = running.enter_context(zero_backend())
        one = running.enter_context(run_server(run_yaml(f"url: {a}"), Path(tmp) / "one"))
        two = running.enter_context(run_server(run_yaml(f"urls: [{a}, {b}]"), Path(tmp) / "two"))
        urls = {"one_url": f"{one.base_url}/v1/chat/completions", "two_urls": f"{two.base_url}/v1/chat/completions"}
        asyncio.run(sequential(urls))  # warm-up: connections, first-request paths
        times = asyncio.run(sequential(urls))
        for name, values in times.items():
            p50 = statistics.median(values) * 1000
            results[f"{name}_p50_ms"] = round(p50, 3)
            results[f"{name}_rps_8_clients"] = round(asyncio.run(throughput(urls[name])), 1)
            print(f"{name}: p50 {p50:.3f} ms sequential, {results[f'{name}_rps_8_clients']} req/s with 8 clients")
    return results


if __name__ == "__main__":
    main()
