"""Datasets at scale: register a 1,000,000-row jsonl and page through it over HTTP.

Measures, against the real server (`inline::localfs`): registration time (one pass that
indexes and checks every row), first-page latency, a page deep in the file, full-scan
rows/s in pages of 1000, start-up with the persisted index, and the server's peak RSS.
``BENCH_DATASETS_ROWS`` sets the row count (default 1,000,000). `python -m bench datasets`
runs it and saves the returned numbers to bench/results/datasets.json.
"""

import json
import os
import tempfile
import time
from pathlib import Path

import httpx

from tests.support.server import RunningServer, run_server

ROWS = int(os.environ.get("BENCH_DATASETS_ROWS", "1000000"))
PAGE = 1000
RUN_YAML = """
version: 1
distribution: bench-datasets
apis: [datasetio]
providers:
  datasetio:
    - provider_id: localfs
      provider_type: inline::localfs
storage:
  state_dir: {state_dir}
"""


def write_jsonl(path: Path, rows: int) -> None:
    """Question/answer rows of about 80 bytes, like a typical eval set."""
    with path.open("w") as f:
        for i in range(rows):
            f.write(json.dumps({"question": f"What is {i} plus {i}?", "answer": str(2 * i), "id": i}) + "\n")


def peak_rss_mb(pid: int) -> float:
    """The process's high-water mark of resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc status")


def timed_get(http: httpx.Client, url: str, **params: int) -> tuple[float, dict]:
    started = time.perf_counter()
    response = http.get(url, params=params)
    response.raise_for_status()
    return time.perf_counter() - started, response.json()


def measure(server: RunningServer, data: Path) -> dict[str, float]:
    results: dict[str, float] = {}
    with httpx.Client(base_url=server.base_url, timeout=600) as http:
        started = time.perf_counter()
        registered = http.post(
            "/v1beta/datasets",
            json={
                "dataset_id": "bench",
                "purpose": "eval/question-answer",
                "source": {"type": "uri", "uri": str(data)},
            },
        )
        registered.raise_for_status()
        results["register_s"] = time.perf_counter() - started
        results["first_page_ms"], _ = timed_get(http, "/v1beta/datasetio/iterrows/bench", start_index=0, limit=PAGE)
        results["first_page_ms"] *= 1000
        deep, _ = timed_get(http, "/v1beta/datasetio/iterrows/bench", start_index=ROWS - PAGE, limit=PAGE)
        results["last_page_ms"] = deep * 1000

        seen, started, has_more = 0, time.perf_counter(), True
        while has_more:
            _, page = timed_get(http, "/v1beta/datasetio/iterrows/bench", start_index=seen, limit=PAGE)
            seen += len(page["data"])
            has_more = page["has_more"]
        results["scan_s"] = time.perf_counter() - started
        if seen != ROWS:
            raise RuntimeError(f"the scan saw {seen} rows, expected {ROWS}")
        results["scan_rows_per_s"] = seen / results["scan_s"]
    results["server_peak_rss_mb"] = peak_rss_mb(server.process.pid)
    return results


def main() -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-datasets-") as tmp:
        root = Path(tmp)
        data = root / "big.jsonl"
        started = time.perf_counter()
        write_jsonl(data, ROWS)
        print(f"wrote {ROWS:,} rows ({data.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s")
        config = RUN_YAML.format(state_dir=root / "state")
        with run_server(config, root / "state") as server:
            results = measure(server, data)
        started = time.perf_counter()
        with run_server(config, root / "state") as server, httpx.Client(base_url=server.base_url) as http:
            timed_get(http, "/v1beta/datasetio/iterrows/bench", start_index=ROWS // 2, limit=PAGE)
            results["restart_to_first_page_s"] = time.perf_counter() - started
            results["restart_server_peak_rss_mb"] = peak_rss_mb(server.process.pid)
    results["rows"] = ROWS
    report(results)
    return results


def report(results: dict[str, float]) -> None:
    labels = {
        "rows": ("rows in the jsonl", "{:,.0f}"),
        "register_s": ("register (index + check every row)", "{:.2f} s"),
        "first_page_ms": (f"first page ({PAGE} rows)", "{:.1f} ms"),
        "last_page_ms": (f"last page ({PAGE} rows)", "{:.1f} ms"),
        "scan_s": (f"full scan, pages of {PAGE}", "{:.1f} s"),
        "scan_rows_per_s": ("full scan throughput", "{:,.0f} rows/s"),
        "server_peak_rss_mb": ("server peak RSS", "{:.0f} MB"),
        "restart_to_first_page_s": ("restart to first page (persisted index)", "{:.2f} s"),
        "restart_server_peak_rss_mb": ("server peak RSS after restart", "{:.0f} MB"),
    }
    print(f"\n{'datasets benchmark':<44} value")
    for key, (label, fmt) in labels.items():
        print(f"{label:<44} {fmt.format(results[key])}")


if __name__ == "__main__":
    main()
