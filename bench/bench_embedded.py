"""The embedded engine: tokens/s of starter's `inline::llama-cpp` through the HTTP server, against
llama-cpp-python called directly on the same GGUF with the same settings (target >= 95 %).

Each round times one generation of exactly ``BENCH_EMBEDDED_TOKENS`` tokens (greedy, a prompt
the model keeps continuing), direct and through the server in turn, so background load hits
both alike; the table shows medians. Streaming goes through the openai client (SSE), the
non-streamed call through plain HTTP.
"""

import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
from llama_cpp import Llama
from openai import OpenAI

from plugstack_llama_cpp.engine import physical_cores
from tests.support.models import smollm2_gguf
from tests.support.server import run_server

TOKENS = int(os.environ.get("BENCH_EMBEDDED_TOKENS", "128"))
ROUNDS = int(os.environ.get("BENCH_EMBEDDED_ROUNDS", "5"))
MODEL = "HuggingFaceTB/SmolLM2-135M-Instruct"
N_CTX = 2048  # as starter's run.yaml
MESSAGES = [{"role": "user", "content": "Count from 1 to 1000, separated by commas."}]
RESULTS = Path(__file__).parent / "results"


def direct_runner(llama: Llama, stream: bool) -> Callable[[], int]:
    def run() -> int:
        if stream:
            result = llama.create_chat_completion(MESSAGES, max_tokens=TOKENS, temperature=0, stream=True)
            return sum(1 for chunk in result if chunk["choices"] and chunk["choices"][0]["delta"].get("content"))
        reply = llama.create_chat_completion(MESSAGES, max_tokens=TOKENS, temperature=0)
        return int(reply["usage"]["completion_tokens"])  # type: ignore[index]

    return run


def server_runner(base_url: str, stream: bool) -> Callable[[], int]:
    client = OpenAI(base_url=f"{base_url}/v1", api_key="unused", max_retries=0, timeout=300)
    http = httpx.Client(base_url=base_url, timeout=300)
    body = {"model": MODEL, "messages": MESSAGES, "max_tokens": TOKENS, "temperature": 0}

    def run() -> int:
        if stream:
            chunks = client.chat.completions.create(**body, stream=True)  # type: ignore[call-overload]
            return sum(1 for chunk in chunks if chunk.choices and chunk.choices[0].delta.content)
        reply = http.post("/v1/chat/completions", json=body).json()
        return int(reply["usage"]["completion_tokens"])

    return run


def tokens_per_second(run: Callable[[], int]) -> float:
    start = time.perf_counter()
    run()
    return TOKENS / (time.perf_counter() - start)


def measure(direct: Callable[[], int], served: Callable[[], int]) -> tuple[list[float], list[float]]:
    direct()  # warm-up: prompt caches, first-call allocations
    served()
    direct_rates, served_rates = [], []
    for _ in range(ROUNDS):
        direct_rates.append(tokens_per_second(direct))
        served_rates.append(tokens_per_second(served))
    return direct_rates, served_rates


def main() -> dict[str, object]:
    gguf = smollm2_gguf()
    threads = physical_cores()  # what the provider uses by default
    llama = Llama(str(gguf), n_ctx=N_CTX, n_threads=threads, n_threads_batch=threads, verbose=False)
    # The prompt must make the model run to max_tokens, or tokens/s would compare unequal work.
    check = llama.create_chat_completion(MESSAGES, max_tokens=TOKENS, temperature=0)
    assert check["choices"][0]["finish_reason"] == "length", "the bench prompt must not end before max_tokens"  # type: ignore[index]
    rows = []
    with tempfile.TemporaryDirectory() as tmp, run_server("starter", Path(tmp) / "state") as server:
        for mode, stream in (("non-stream", False), ("stream (SSE)", True)):
            direct, served = measure(direct_runner(llama, stream), server_runner(server.base_url, stream))
            rows.append(
                {
                    "mode": mode,
                    "direct_tok_s": statistics.median(direct),
                    "server_tok_s": statistics.median(served),
                    "ratio": statistics.median(served) / statistics.median(direct),
                    "direct_all": direct,
                    "server_all": served,
                }
            )
    llama.close()

    print(
        f"\nEmbedded engine: SmolLM2-135M-Instruct Q4_1, {TOKENS} tokens greedy, {threads} threads, "
        f"median of {ROUNDS} rounds"
    )
    print(f"{'mode':<14} {'direct tok/s':>13} {'server tok/s':>13} {'server/direct':>14}")
    for row in rows:
        print(f"{row['mode']:<14} {row['direct_tok_s']:>13.1f} {row['server_tok_s']:>13.1f} {row['ratio']:>13.1%}")
    result = {
        "benchmark": "embedded",
        "when": datetime.now(UTC).isoformat(),
        "tokens": TOKENS,
        "rounds": ROUNDS,
        "threads": threads,
        "gguf": gguf.name,
        "rows": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"embedded-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(result, indent=2))
    print(f"saved {path}")
    return result


if __name__ == "__main__":
    main()
