"""What plugstack's `remote::vllm` costs in front of a backend that does no work (issue 16).

A zero-work OpenAI-compatible backend (tests/support/zero_backend.py) answers fixed replies, so
everything measured on top of it is the gateway. It runs in two flavours with the same reply
bytes, each with its own plugstack in front:
- ``asyncio``: a raw asyncio protocol that costs next to nothing (12-20k requests/s on two
  cores), so the gateway's own cost shows undiluted; the top-level figures are this one's.
- ``fastapi``: the same replies from FastAPI routes on uvicorn and uvloop, the HTTP server of a
  vLLM replica, minus its engine. Throughput as a share of direct only means something in front
  of a backend that costs what a real one does: next to the asyncio flavour no Python gateway
  gets near 85 %, while issue 16's percentages (direct at 1-1.5k requests/s) imply a backend
  like this one. Its figures are under ``fastapi_backend``, same keys.
Each flavour is measured on its own, with only its backend and gateway running: with four
servers taking turns, each sat idle between its requests and woke up cold, which tripled the
CPU it seemed to spend per request. Within a flavour, direct and plugstack are interleaved so
drift on a shared machine hits both alike, measured by a lean keep-alive HTTP/1.1 client (raw asyncio streams, so
the load generator's own CPU stays small next to a gateway's): sequential p50/p95/p99 and the
paired median of (plugstack - direct); streamed first byte and end; the gateway's CPU per
request (its process CPU time over a block of requests, from /proc); throughput with 16
concurrent clients as a share of direct (``throughput_pct_of_direct`` per flavour), with the
CPU per request the backend and the gateway spent meanwhile (on two cores, backend, gateway
and load generator share the CPU, and that split bounds the share); cold start (spawn to the
first healthy answer) and idle RSS. The whole measurement runs RUNS times;
the table shows medians. ``BENCH_GATEWAY_QUICK=1`` runs once with a quarter of the requests:
a check that it works, not figures to quote.
A last section times the HTTP clients a gateway could use for its backend hop (plugstack's own,
`plugstack.remote.http1`, among them); the gateway's
CPU is also given in units of one bare aiohttp request's, a ratio that varies far less with
the load of a shared machine than milliseconds do.
"""

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

from tests.support.server import free_port, run_server
from tests.support.zero_backend import MODEL, Flavour, zero_backend

QUICK = os.environ.get("BENCH_GATEWAY_QUICK") == "1"
RUNS = 1 if QUICK else 2
SEQUENTIAL, STREAMED = (100, 50) if QUICK else (400, 200)
CLIENTS, PER_CLIENT = 16, 12 if QUICK else 50
WARMUP = 50
COLD_STARTS = 1 if QUICK else 3
FLAVOURS: tuple[Flavour, ...] = ("asyncio", "fastapi")  # the first one's figures are the top-level keys
ALIAS = "gateway-zero"  # the client's name for the backend's model: plugstack rewrites it in replies
CLK_TCK = os.sysconf("SC_CLK_TCK")
RESULTS = Path(__file__).parent / "results"
CPU_KEYS = ("gateway_cpu_ms_per_request", "gateway_cpu_ms_per_stream")


def run_yaml(backend_url: str) -> str:
    return (
        "version: 1\ndistribution: bench-gateway\napis: [inference]\nproviders:\n  inference:\n"
        f"    - provider_id: vllm\n      provider_type: remote::vllm\n      config: {{url: {backend_url}}}\n"
        "registered_resources:\n  models:\n"
        f"    - {{model_id: {ALIAS}, provider_id: vllm, provider_model_id: {MODEL}}}\n"
    )


# -- a lean HTTP/1.1 client ----------------------------------------------------------------


def request_bytes(host: str, path: str, body: dict[str, Any]) -> bytes:
    payload = json.dumps(body).encode()
    head = f"POST {path} HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\n"
    return head.encode() + f"content-length: {len(payload)}\r\n\r\n".encode() + payload


class Connection:
    """One keep-alive connection; ``exchange`` sends a request and reads the whole response."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> "Connection":
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    def close(self) -> None:
        self.writer.close()

    async def exchange(self, raw: bytes) -> tuple[float, float]:
        """(seconds to the first body byte, seconds to the end of the response)."""
        start = time.perf_counter()
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lowered = head.lower()
        if b"transfer-encoding: chunked" in lowered:
            first = 0.0
            while True:
                size = int((await self.reader.readline()).strip(), 16)
                await self.reader.readexactly(size + 2)
                first = first or time.perf_counter() - start
                if size == 0:
                    break
            body = b""
        else:
            length = int(lowered.split(b"content-length:")[1].split(b"\r\n")[0])
            body = await self.reader.readexactly(length)
            first = time.perf_counter() - start
        if status != 200:
            raise RuntimeError(f"status {status}: {body[:300]!r}")
        return first, time.perf_counter() - start


# -- measurements --------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ms(values: list[float]) -> dict[str, float]:
    return {"p50": statistics.median(values) * 1e3, "p95": percentile(values, 0.95) * 1e3,
            "p99": percentile(values, 0.99) * 1e3}  # fmt: skip


async def throughput(port: int, raw: bytes) -> float:
    connections = [await Connection.open(port) for _ in range(CLIENTS)]

    async def one_client(connection: Connection) -> None:
        for _ in range(PER_CLIENT):
            await connection.exchange(raw)

    start = time.perf_counter()
    await asyncio.gather(*(one_client(c) for c in connections))
    elapsed = time.perf_counter() - start
    for connection in connections:
        connection.close()
    return CLIENTS * PER_CLIENT / elapsed


Target = tuple[Flavour, str]  # (backend flavour, "direct" or "plugstack")


async def one_run(backends: dict[Flavour, tuple[int, int]], gateways: dict[Flavour, tuple[int, int]]) -> dict[str, Any]:
    """``backends``: each flavour's (port, pid); ``gateways``: those of the plugstack in front."""
    message = {"messages": [{"role": "user", "content": "Name a colour."}], "max_tokens": 8}
    ports: dict[Target, int] = {}
    for flavour in backends:
        ports[flavour, "direct"], ports[flavour, "plugstack"] = backends[flavour][0], gateways[flavour][0]
    bodies = {"direct": {"model": MODEL, **message}, "plugstack": {"model": ALIAS, **message}}
    path = "/v1/chat/completions"
    plain = {t: request_bytes(f"127.0.0.1:{ports[t]}", path, bodies[t[1]]) for t in ports}
    streamed = {t: request_bytes(f"127.0.0.1:{ports[t]}", path, {**bodies[t[1]], "stream": True}) for t in ports}
    conns = {target: await Connection.open(port) for target, port in ports.items()}
    for target in ports:
        for _ in range(WARMUP):
            await conns[target].exchange(plain[target])
            await conns[target].exchange(streamed[target])

    def cpu() -> dict[Flavour, float]:
        return {flavour: cpu_seconds(gateways[flavour][1]) for flavour in backends}

    seq: dict[Target, list[float]] = {target: [] for target in ports}
    before = cpu()
    for _ in range(SEQUENTIAL):
        for target in ports:
            seq[target].append((await conns[target].exchange(plain[target]))[1])
    cpu_plain = {flavour: (spent - before[flavour]) / SEQUENTIAL for flavour, spent in cpu().items()}

    first: dict[Target, list[float]] = {target: [] for target in ports}
    end: dict[Target, list[float]] = {target: [] for target in ports}
    before = cpu()
    for _ in range(STREAMED):
        for target in ports:
            at_first, at_end = await conns[target].exchange(streamed[target])
            first[target].append(at_first)
            end[target].append(at_end)
    cpu_streamed = {flavour: (spent - before[flavour]) / STREAMED for flavour, spent in cpu().items()}
    for connection in conns.values():
        connection.close()

    rps: dict[Target, list[float]] = {target: [] for target in ports}
    # CPU per request of (backend, gateway) in each block: on two cores the three processes
    # (load generator included) share the CPU, which is what bounds the throughput share
    load: dict[Target, list[tuple[float, float]]] = {target: [] for target in ports}
    for _ in range(2):  # interleaved blocks: direct, plugstack, direct, plugstack
        for target, port in ports.items():
            pids = (backends[target[0]][1], gateways[target[0]][1])
            before = [cpu_seconds(pid) for pid in pids]
            rps[target].append(await throughput(port, plain[target]))
            spent = [(cpu_seconds(pid) - b) / (CLIENTS * PER_CLIENT) * 1e3 for pid, b in zip(pids, before, strict=True)]
            load[target].append((spent[0], spent[1]))

    def flavour_figures(flavour: Flavour) -> dict[str, Any]:
        def by_side(values: dict[Target, list[float]]) -> dict[str, list[float]]:
            return {side: values[flavour, side] for side in ("direct", "plugstack")}

        def added(values: dict[Target, list[float]]) -> float:
            pairs = zip(values[flavour, "plugstack"], values[flavour, "direct"], strict=True)
            return statistics.median(p - d for p, d in pairs) * 1e3

        throughput_rps = {side: statistics.median(values) for side, values in by_side(rps).items()}
        direct_load, gateway_load = load[flavour, "direct"], load[flavour, "plugstack"]
        throughput_cpu = {
            "direct": {"backend": statistics.median(b for b, _ in direct_load)},
            "plugstack": {"backend": statistics.median(b for b, _ in gateway_load),
                          "gateway": statistics.median(g for _, g in gateway_load)},
        }  # fmt: skip
        return {
            "sequential_ms": {side: ms(values) for side, values in by_side(seq).items()},
            "paired_added_ms": added(seq),
            "stream_first_byte_ms": {side: ms(values) for side, values in by_side(first).items()},
            "stream_end_ms": {side: ms(values) for side, values in by_side(end).items()},
            "stream_first_byte_paired_added_ms": added(first),
            "stream_end_paired_added_ms": added(end),
            "gateway_cpu_ms_per_request": cpu_plain[flavour] * 1e3,
            "gateway_cpu_ms_per_stream": cpu_streamed[flavour] * 1e3,
            "throughput_rps": throughput_rps,
            "throughput_share": throughput_rps["plugstack"] / throughput_rps["direct"],
            "throughput_cpu_ms_per_request": throughput_cpu,
        }

    return {flavour: flavour_figures(flavour) for flavour in backends}


def combined(figures: dict[Flavour, dict[str, Any]]) -> dict[str, Any]:
    """One run's figures: the first flavour's at the top level (as before there were two)."""
    baseline, *others = FLAVOURS
    return {
        **figures[baseline],
        **{f"{flavour}_backend": figures[flavour] for flavour in others},
        "throughput_pct_of_direct": {flavour: 100 * figures[flavour]["throughput_share"] for flavour in FLAVOURS},
    }


def cold_start(config: Path, state_dir: Path) -> tuple[float, float]:
    """(seconds from spawn to the first healthy answer, RSS in MB right after)."""
    port = free_port()
    env = {**os.environ, "PLUGSTACK_STATE_DIR": str(state_dir)}
    command = [sys.executable, "-m", "plugstack.cli", "run", str(config), "--host", "127.0.0.1", "--port", str(port)]
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                if process.poll() is not None or time.perf_counter() - start > 60:
                    raise RuntimeError("plugstack did not start") from None
                time.sleep(0.005)
        took = time.perf_counter() - start
        time.sleep(0.5)
        return took, rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(20)


# -- the backend hop: HTTP clients side by side --------------------------------------------


async def client_cpu(port: int) -> dict[str, float]:
    """Client CPU ms per request against the zero backend, for each client installed."""
    url = f"http://127.0.0.1:{port}/v1/chat/completions"
    payload = json.dumps({"model": MODEL, "messages": [{"role": "user", "content": "hi"}]}).encode()
    headers = {"content-type": "application/json"}
    senders: dict[str, Callable[[], Any]] = {}
    closers: list[Callable[[], Any]] = []

    client = httpx.AsyncClient()
    closers.append(client.aclose)
    senders["httpx.AsyncClient"] = lambda: client.post(url, content=payload, headers=headers)

    transport = httpx.AsyncHTTPTransport()
    closers.append(transport.aclose)
    prebuilt_url = httpx.URL(url)

    async def via_transport() -> None:
        response = await transport.handle_async_request(
            httpx.Request("POST", prebuilt_url, content=payload, headers=headers)
        )
        await response.aread()

    senders["httpx transport"] = via_transport

    from plugstack.remote.http1 import Http1Client

    http1 = Http1Client({"Accept-Encoding": "identity"})
    closers.append(http1.aclose)

    async def via_http1() -> None:
        await (await http1.request("POST", url, payload, headers)).read()

    senders["plugstack http1"] = via_http1

    import httpcore

    pool = httpcore.AsyncConnectionPool()
    closers.append(pool.aclose)
    senders["httpcore"] = lambda: pool.request("POST", url, content=payload, headers=headers)
    try:
        import aiohttp
    except ImportError:
        aiohttp = None
    if aiohttp is not None:
        session = aiohttp.ClientSession()
        closers.append(session.close)

        async def via_aiohttp() -> None:
            async with session.post(url, data=payload, headers=headers) as response:
                await response.read()

        senders["aiohttp"] = via_aiohttp
    results = {}
    for name, send in senders.items():
        for _ in range(50):
            await send()
        start = time.process_time()
        for _ in range(1000):
            await send()
        results[name] = (time.process_time() - start) / 1000 * 1e3
    for close in closers:
        await close()
    return results


# -- report --------------------------------------------------------------------------------


def median_of(runs: list[dict[str, Any]], *keys: str) -> float:
    values = []
    for run in runs:
        value: Any = run
        for key in keys:
            value = value[key]
        values.append(value)
    return statistics.median(values)


def figures_table(runs: list[dict[str, Any]]) -> list[str]:
    """Latency, CPU and throughput rows for one backend flavour (``runs`` hold its figures)."""
    lines = [f"{'':<34}{'direct':>10}{'plugstack':>11}{'added':>9}   (ms; median of {len(runs)} runs)"]
    for label, key in (("sequential", "sequential_ms"), ("stream first byte", "stream_first_byte_ms"),
                       ("stream end", "stream_end_ms")):  # fmt: skip
        for q in ("p50", "p95", "p99"):
            direct, ours = median_of(runs, key, "direct", q), median_of(runs, key, "plugstack", q)
            lines.append(f"{label + ' ' + q:<34}{direct:>10.2f}{ours:>11.2f}{ours - direct:>+9.2f}")
    lines.append(f"{'sequential paired median added':<34}{median_of(runs, 'paired_added_ms'):>+30.2f}")
    for label, key in (("stream first byte paired added", "stream_first_byte_paired_added_ms"),
                       ("stream end paired added", "stream_end_paired_added_ms")):  # fmt: skip
        lines.append(f"{label:<34}{median_of(runs, key):>+30.2f}")
    lines.append(f"{'gateway CPU ms / request':<34}{median_of(runs, 'gateway_cpu_ms_per_request'):>30.2f}")
    lines.append(f"{'gateway CPU ms / streamed request':<34}{median_of(runs, 'gateway_cpu_ms_per_stream'):>30.2f}")
    direct, ours = median_of(runs, "throughput_rps", "direct"), median_of(runs, "throughput_rps", "plugstack")
    share = median_of(runs, "throughput_share")
    lines.append(f"{'throughput rps, 16 clients':<34}{direct:>10.0f}{ours:>11.0f}{share:>9.0%}")
    backend_direct = median_of(runs, "throughput_cpu_ms_per_request", "direct", "backend")
    backend_behind = median_of(runs, "throughput_cpu_ms_per_request", "plugstack", "backend")
    gateway = median_of(runs, "throughput_cpu_ms_per_request", "plugstack", "gateway")
    lines.append(f"{'  CPU ms/request there: backend':<34}{backend_direct:>10.2f}{backend_behind:>11.2f}"
                 f"   (gateway {gateway:.2f})")  # fmt: skip
    per_run = ", ".join(
        f"{r['paired_added_ms']:+.2f} ms / {r['gateway_cpu_ms_per_request']:.2f} ms CPU / {r['throughput_share']:.0%}"
        for r in runs
    )
    lines.append(f"each run (added p50 / CPU / throughput): {per_run}")
    return lines


def render(runs: list[dict[str, Any]], cold: list[tuple[float, float]], hop: dict[str, float]) -> str:
    baseline, *others = FLAVOURS
    lines = [f"-- {baseline} backend (the gateway's own cost)", *figures_table(runs)]
    for flavour in others:
        lines.append(f"-- {flavour} backend (FastAPI on uvicorn, a vLLM replica's HTTP server)")
        lines.extend(figures_table([run[f"{flavour}_backend"] for run in runs]))
    lines.append(f"{'cold start s / idle RSS MB':<34}{statistics.median(c[0] for c in cold):>21.2f}"
                 f"{statistics.median(c[1] for c in cold):>9.0f}")  # fmt: skip
    lines.append("backend hop, client CPU ms/request: " + ", ".join(f"{k} {v:.3f}" for k, v in hop.items()))
    if "aiohttp" in hop:  # one bare aiohttp request, timed in the same run: scales with the machine's load
        plain, streamed = (median_of(runs, key) / hop["aiohttp"] for key in CPU_KEYS)
        lines.append(
            f"gateway CPU in bare aiohttp requests (load yardstick): {plain:.1f} plain, {streamed:.1f} streamed"
        )
    return "\n".join(lines)


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


def main() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-gateway-") as tmp:
        work = Path(tmp)
        per_flavour: dict[Flavour, list[dict[str, Any]]] = {}
        for flavour in FLAVOURS:  # one flavour at a time: only its backend and gateway running
            with ExitStack() as stack:
                backend_url = stack.enter_context(zero_backend(flavour=flavour))
                pid = httpx.get(f"{backend_url.removesuffix('/v1')}/served").json()["pid"]
                backends = {flavour: (port_of(backend_url), pid)}
                config = work / f"run-{flavour}.yaml"
                config.write_text(run_yaml(backend_url))
                if flavour == FLAVOURS[0]:
                    cold = [cold_start(config, work / f"cold-{i}") for i in range(COLD_STARTS)]
                server = stack.enter_context(run_server(config, work / f"stack-{flavour}"))
                gateways = {flavour: (port_of(server.base_url), server.process.pid)}
                per_flavour[flavour] = [asyncio.run(one_run(backends, gateways))[flavour] for _ in range(RUNS)]
                if flavour == FLAVOURS[0]:
                    hop = asyncio.run(client_cpu(backends[flavour][0]))
        runs = [combined({flavour: per_flavour[flavour][i] for flavour in FLAVOURS}) for i in range(RUNS)]
    results = {"runs": runs, "cold_start": cold, "backend_hop_client_cpu_ms": hop, "quick": QUICK}
    print(f"gateway overhead: remote::vllm over a zero-work backend ({SEQUENTIAL} sequential, {STREAMED} streamed, "
          f"{CLIENTS}x{PER_CLIENT} concurrent; {RUNS} runs{'; QUICK' if QUICK else ''})")  # fmt: skip
    print(render(runs, cold, hop))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"gateway-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"saved {out}")
    return results


if __name__ == "__main__":
    main()
