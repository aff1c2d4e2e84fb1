"""What ownership checks cost per request: the same light stack without auth, with auth (the
default owner-only policy) and with auth plus a three-rule access policy.

Measured over HTTP on keep-alive connections: registry reads (get and list of 200 datasets, in
memory) and files reads (get and list of 200 files, whose owners are one KV read per request).
"""

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.support.server import run_server

N_OBJECTS = 200
REQUESTS = 300
BASE = """\
version: 1
distribution: bench-ownership
apis: [datasetio, files]
providers:
  datasetio:
    - {provider_id: localfs, provider_type: inline::localfs}
  files:
    - {provider_id: files, provider_type: inline::localfs}
"""
AUTH = """\
server:
  auth:
    api_keys:
      - {key: bench-key, principal: bench, attributes: {teams: [a]}}
"""
POLICY = """\
  access_policy:
    - permit: {actions: [read], resource: "dataset::*"}
      when: user in owners teams
    - forbid: {actions: [create], resource: "model::*"}
      unless: user with admin in roles
    - permit: {principal: someone, actions: [read]}
"""
STACKS = {"no_auth": BASE, "auth": BASE + AUTH, "auth_policy": BASE + AUTH + POLICY}


def _median_ms(call: Callable[[], httpx.Response]) -> float:
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        call().raise_for_status()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _measure(config: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp, run_server(config, Path(tmp), timeout=600) as server:
        headers = {"Authorization": "Bearer bench-key"}
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=120) as http:
            rows = {"type": "rows", "rows": [{"question": "q", "answer": "a"}]}
            for index in range(N_OBJECTS):
                body = {"purpose": "eval/question-answer", "source": rows, "dataset_id": f"d{index}"}
                http.post("/v1beta/datasets", json=body).raise_for_status()
            file_ids = [
                http.post("/v1/files", files={"file": ("f.txt", b"x")}, data={"purpose": "assistants"}).json()["id"]
                for _ in range(N_OBJECTS)
            ]
            return {
                "dataset_get_ms": _median_ms(lambda: http.get("/v1beta/datasets/d7")),
                "dataset_list_ms": _median_ms(lambda: http.get("/v1beta/datasets")),
                "file_get_ms": _median_ms(lambda: http.get(f"/v1/files/{file_ids[7]}")),
                "file_list_ms": _median_ms(lambda: http.get("/v1/files")),
            }


def main() -> dict[str, dict[str, float]]:
    results = {name: _measure(config) for name, config in STACKS.items()}
    measures = list(results["no_auth"])
    print(f"{'median ms per request':<24}" + "".join(f"{name:>14}" for name in results))
    for measure in measures:
        print(f"{measure:<24}" + "".join(f"{results[name][measure]:>14.2f}" for name in results))
    return results


if __name__ == "__main__":
    main()
