"""Small but real job kinds for testing the job system."""

import time
from pathlib import Path
from typing import Any

from plugstack.jobs.child import JobReporter


def count_primes(params: dict[str, Any], reporter: JobReporter) -> dict[str, Any]:
    """Count primes below ``limit`` by trial division, reporting progress and an artifact."""
    limit = int(params["limit"])
    delay = float(params.get("delay_per_chunk", 0))
    chunk = max(1, limit // 10)
    found = 0
    for start in range(2, limit, chunk):
        for n in range(start, min(start + chunk, limit)):
            if all(n % d for d in range(2, int(n**0.5) + 1)):
                found += 1
        reporter.progress(done=min(start + chunk, limit), total=limit, primes=found)
        reporter.log(f"checked up to {min(start + chunk, limit)}")
        time.sleep(delay)
    print("a line the work printed to stdout")
    out = Path(params["out_dir"]) / "primes.txt"
    out.write_text(str(found))
    reporter.artifact({"path": str(out), "kind": "count"})
    return {"primes": found}


def fail(params: dict[str, Any], reporter: JobReporter) -> None:
    reporter.log("about to fail")
    raise ValueError("row 3 has no 'answer' column")


def crash(params: dict[str, Any], reporter: JobReporter) -> None:
    import os

    os._exit(7)


def stack_address(params: dict[str, Any], reporter: JobReporter) -> dict[str, Any]:
    """What a call-back job is told about the stack (its URL; its token stays out of the result)."""
    return {"url": params["stack"]["url"], "has_token": params["stack"]["token"] is not None}
