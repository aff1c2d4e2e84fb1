"""What plugstack's `remote::vllm` adds in front of an OpenAI-compatible server.

The same chat request (max_tokens 8, so generation time does not drown the overhead) goes
straight to a backend (llama-cpp-python's server on SmolLM2) and through plugstack in front of
it, in one run: 30 sequential requests (interleaved direct/proxied, so drift hits both alike),
8 clients x 10 requests concurrently, and time-to-first-byte of streamed requests.
Targets (issue 3): <= 1 ms added at p50, >= 98 % of direct throughput.
"""

import asyncio
import json
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

from tests.support.models import smollm2_gguf
from tests.support.openai_backend import llama_cpp_server
from tests.support.server import run_server

MODEL = "SmolLM2-135M-Instruct"
SEQUENTIAL = 30
CLIENTS, PER_CLIENT = 8, 10
WARMUP = 5
BODY = {
    "model": MODEL,
    "messages": [{"role": "user", "content": "Name a colour."}],
    "max_tokens": 8,
    "temperature": 0,
}
RESULTS = Path(__file__).parent / "results"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def timed_chat(client: httpx.AsyncClient, url: str) -> float:
    start = time.perf_counter()
    response = await client.post(url, json=BODY)
    response.raise_for_status()
    return time.perf_counter() - start


async def timed_stream(client: httpx.AsyncClient, url: str) -> tuple[float, float]:
    """(time to the first body byte, time to the end of the stream)."""
    start = time.perf_counter()
    first = None
    async with client.stream("POST", url, json={**BODY, "stream": True}) as response:
        response.raise_for_status()
        async for _ in response.aiter_raw():
            if first is None:
                first = time.perf_counter() - start
    return first or 0.0, time.perf_counter() - start


async def concurrent(client: httpx.AsyncClient, url: str) -> tuple[float, list[float]]:
    async def one_client() -> list[float]:
        return [await timed_chat(client, url) for _ in range(PER_CLIENT)]

    start = time.perf_counter()
    latencies = [x for per in await asyncio.gather(*(one_client() for _ in range(CLIENTS))) for x in per]
    return CLIENTS * PER_CLIENT / (time.perf_counter() - start), latencies


async def measure(direct: str, proxied: str) -> dict[str, dict[str, float]]:
    targets = {"direct": f"{direct}/chat/completions", "plugstack": f"{proxied}/v1/chat/completions"}
    limits = httpx.Limits(max_connections=CLIENTS * 2, max_keepalive_connections=CLIENTS * 2)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        for url in targets.values():
            for _ in range(WARMUP):
                await timed_chat(client, url)
        sequential: dict[str, list[float]] = {name: [] for name in targets}
        ttfb: dict[str, list[float]] = {name: [] for name in targets}
        for _ in range(SEQUENTIAL):
            for name, url in targets.items():
                sequential[name].append(await timed_chat(client, url))
            for name, url in targets.items():
                ttfb[name].append((await timed_stream(client, url))[0])
        results = {}
        for name, url in targets.items():
            throughput, latencies = await concurrent(client, url)
            results[name] = {
                "seq_p50_ms": statistics.median(sequential[name]) * 1000,
                "seq_p95_ms": percentile(sequential[name], 0.95) * 1000,
                "conc_p50_ms": statistics.median(latencies) * 1000,
                "conc_p95_ms": percentile(latencies, 0.95) * 1000,
                "throughput_rps": throughput,
                "stream_ttfb_p50_ms": statistics.median(ttfb[name]) * 1000,
                "stream_ttfb_p95_ms": percentile(ttfb[name], 0.95) * 1000,
            }
        paired = [p - d for p, d in zip(sequential["plugstack"], sequential["direct"], strict=True)]
        results["added"] = {
            "seq_p50_ms": results["plugstack"]["seq_p50_ms"] - results["direct"]["seq_p50_ms"],
            "seq_paired_median_ms": statistics.median(paired) * 1000,
            "stream_ttfb_p50_ms": results["plugstack"]["stream_ttfb_p50_ms"] - results["direct"]["stream_ttfb_p50_ms"],
            "throughput_ratio": results["plugstack"]["throughput_rps"] / results["direct"]["throughput_rps"],
        }
    return results


def render(results: dict[str, dict[str, float]]) -> str:
    rows = [f"{'metric':<22}{'direct':>12}{'plugstack':>12}{'added':>12}"]
    for key in ("seq_p50_ms", "seq_p95_ms", "conc_p50_ms", "conc_p95_ms", "stream_ttfb_p50_ms", "stream_ttfb_p95_ms"):
        direct, ours = results["direct"][key], results["plugstack"][key]
        rows.append(f"{key:<22}{direct:>12.2f}{ours:>12.2f}{ours - direct:>+12.2f}")
    direct, ours = results["direct"]["throughput_rps"], results["plugstack"]["throughput_rps"]
    rows.append(f"{'throughput_rps':<22}{direct:>12.2f}{ours:>12.2f}{ours / direct:>11.1%}")
    rows.append(f"paired median added (sequential): {results['added']['seq_paired_median_ms']:+.2f} ms")
    return "\n".join(rows)


def main() -> dict[str, dict[str, float]]:
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-remote-")))
        backend = stack.enter_context(llama_cpp_server(smollm2_gguf(), work / "backend", MODEL))
        config = (
            "version: 1\ndistribution: bench-remote\napis: [inference]\nproviders:\n  inference:\n"
            f"    - provider_id: vllm\n      provider_type: remote::vllm\n      config: {{url: {backend.base_url}}}\n"
        )
        server = stack.enter_context(run_server(config, work / "stack"))
        results = asyncio.run(measure(backend.base_url, server.base_url))
    print(f"remote::vllm overhead (chat, max_tokens {BODY['max_tokens']}; {SEQUENTIAL} sequential, "
          f"{CLIENTS}x{PER_CLIENT} concurrent)")  # fmt: skip
    print(render(results))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"remote_overhead-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"saved {out}")
    return results


if __name__ == "__main__":
    main()
