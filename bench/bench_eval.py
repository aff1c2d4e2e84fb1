"""Eval throughput: a 200-row question-answer benchmark run as an eval job on the embedded
SmolLM2, with the eval provider's bounded concurrency against one row at a time.

One server holds two `inline::meta-reference` providers that differ only in
``max_concurrency``; each has a benchmark on the same dataset. Each run is timed from job
submission to `completed` (generation through the inference API, scoring, result stored).
"""

import json
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from tests.support.models import llama_cpp_provider
from tests.support.server import run_server

ROWS = int(os.environ.get("BENCH_EVAL_ROWS", "200"))
MAX_TOKENS = int(os.environ.get("BENCH_EVAL_MAX_TOKENS", "24"))
CONCURRENCY = int(os.environ.get("BENCH_EVAL_CONCURRENCY", "4"))
MODEL = "HuggingFaceTB/SmolLM2-135M-Instruct"
RESULTS = Path(__file__).parent / "results"
RUN_YAML = f"""
version: 1
distribution: bench-eval
apis: [inference, datasetio, scoring, eval]
providers:
  inference:
{llama_cpp_provider(model_id="smol")}
  datasetio:
    - provider_id: localfs
      provider_type: inline::localfs
  scoring:
    - provider_id: basic
      provider_type: inline::basic
  eval:
    - provider_id: concurrent
      provider_type: inline::meta-reference
      config: {{max_concurrency: {CONCURRENCY}}}
    - provider_id: serial
      provider_type: inline::meta-reference
      config: {{max_concurrency: 1}}
registered_resources:
  models:
    - {{model_id: {MODEL}, provider_id: llama-cpp, provider_model_id: smol}}
"""


def qa_rows(count: int) -> list[dict[str, str]]:
    return [
        {"question": f"What is {i % 50} + {i // 50}? Reply with the number only.", "answer": str(i % 50 + i // 50)}
        for i in range(count)
    ]


def run_job(http: httpx.Client, benchmark_id: str) -> tuple[float, dict[str, object]]:
    """Seconds from submission to completion, and the job's result."""
    candidate = {
        "type": "model",
        "model": MODEL,
        "sampling_params": {"strategy": {"type": "greedy"}, "max_tokens": MAX_TOKENS},
    }
    started = time.perf_counter()
    job = http.post(
        f"/v1alpha/eval/benchmarks/{benchmark_id}/jobs", json={"benchmark_config": {"eval_candidate": candidate}}
    )
    job.raise_for_status()
    status_path = f"/v1alpha/eval/benchmarks/{benchmark_id}/jobs/{job.json()['job_id']}"
    while (status := http.get(status_path).json())["status"] not in ("completed", "failed", "cancelled"):
        time.sleep(0.1)
    elapsed = time.perf_counter() - started
    if status["status"] != "completed":
        raise RuntimeError(f"eval job of {benchmark_id} ended {status['status']}: {status.get('error')}")
    return elapsed, http.get(f"{status_path}/result").json()


def main() -> dict[str, object]:
    rows = qa_rows(ROWS)
    results = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        run_server(RUN_YAML, Path(tmp) / "state") as server,
        httpx.Client(base_url=server.base_url, timeout=600) as http,
    ):
        dataset = {"purpose": "eval/question-answer", "source": {"type": "rows", "rows": rows}, "dataset_id": "qa"}
        http.post("/v1beta/datasets", json=dataset).raise_for_status()
        for provider_id in ("serial", "concurrent"):
            benchmark = {"benchmark_id": provider_id, "dataset_id": "qa", "scoring_functions": ["basic::subset_of"],
                         "provider_id": provider_id}  # fmt: skip
            http.post("/v1alpha/eval/benchmarks", json=benchmark).raise_for_status()
        warm = {"role": "user", "content": "Hello"}
        http.post("/v1/chat/completions", json={"model": MODEL, "messages": [warm], "max_tokens": 4}).raise_for_status()
        for provider_id, concurrency in (("serial", 1), ("concurrent", CONCURRENCY)):
            elapsed, result = run_job(http, provider_id)
            scores = result["scores"]["basic::subset_of"]  # type: ignore[index]
            accuracy = scores["aggregated_results"]["accuracy"]["accuracy"]
            results.append({"concurrency": concurrency, "rows": ROWS, "seconds": round(elapsed, 2),
                            "rows_per_s": round(ROWS / elapsed, 2), "accuracy": accuracy})  # fmt: skip

    speedup = results[1]["rows_per_s"] / results[0]["rows_per_s"]  # type: ignore[operator]
    print(f"\nEval job: {ROWS} question-answer rows, SmolLM2-135M-Instruct Q4_1, greedy, max_tokens {MAX_TOKENS}")
    print(f"{'concurrency':>11} {'seconds':>9} {'rows/s':>8} {'accuracy':>9}")
    for row in results:
        print(f"{row['concurrency']:>11} {row['seconds']:>9.1f} {row['rows_per_s']:>8.2f} {row['accuracy']:>9.3f}")
    print(f"speed-up with concurrency {CONCURRENCY}: {speedup:.2f}x")
    record = {"benchmark": "eval", "when": datetime.now(UTC).isoformat(), "rows": ROWS, "max_tokens": MAX_TOKENS,
              "runs": results, "speedup": round(speedup, 3)}  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"eval-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(record, indent=2))
    print(f"saved {path}")
    return record


if __name__ == "__main__":
    main()
