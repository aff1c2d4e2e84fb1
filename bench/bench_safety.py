"""Shield latency per provider on a 200-token message, and what input + output shields add to an
agent turn (issue 13). Medians over interleaved rounds through the real server.

The guard model of llama-guard is the embedded SmolLM2 (grammar-constrained verdicts); the agent
turns run on the scripted zero-work model, so what the shields add is all that differs.
"""

import statistics
import tempfile
import time
from pathlib import Path

import httpx

from tests.agents.conftest import RUN_YAML, SCRIPTED, agents_env
from tests.support.server import run_server

ROUNDS = 20
# About 200 tokens of ordinary text, with nothing any shield should flag.
MESSAGE = " ".join(
    ["The committee met on Tuesday to review the budget for the new library wing, and agreed to"]
    + ["continue the discussion of shelving, lighting and opening hours at the next meeting"] * 12
)
SAFETY = """\
    - provider_id: llama-guard
      provider_type: inline::llama-guard
    - provider_id: code-scanner
      provider_type: inline::code-scanner
"""


def _config() -> str:
    """The agents test stack, plus llama-guard on the embedded model and the code scanner."""
    config = RUN_YAML.replace("  safety:\n", "  safety:\n" + SAFETY, 1)
    return config.replace(
        "  shields:\n",
        "  shields:\n    - {shield_id: guard, provider_id: llama-guard, provider_shield_id: smol}\n"
        "    - {shield_id: code, provider_id: code-scanner}\n",
        1,
    )


def _timed(http: httpx.Client, path: str, body: dict) -> float:
    started = time.perf_counter()
    http.post(path, json=body).raise_for_status()
    return (time.perf_counter() - started) * 1000


def main() -> dict[str, float]:
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        with (
            run_server(_config(), home / "state", env=agents_env(home)) as server,
            httpx.Client(base_url=server.base_url, timeout=120) as http,
        ):
            messages = [{"role": "user", "content": MESSAGE}]
            shields = {"regex": "pii", "code-scanner": "code", "llama-guard": "guard"}
            for shield in shields.values():  # warm up
                _timed(http, "/v1/safety/run-shield", {"shield_id": shield, "messages": messages, "params": {}})
            times: dict[str, list[float]] = {name: [] for name in shields}
            plain, guarded = [], []
            body = {"model": SCRIPTED, "input": MESSAGE}
            for _ in range(ROUNDS):
                for name, shield in shields.items():
                    run = {"shield_id": shield, "messages": messages, "params": {}}
                    times[name].append(_timed(http, "/v1/safety/run-shield", run))
                plain.append(_timed(http, "/v1/responses", body))
                guarded.append(_timed(http, "/v1/responses", {**body, "guardrails": ["pii", "code"]}))
            for name, values in times.items():
                results[f"run_shield_{name}_p50_ms"] = statistics.median(values)
            results["turn_plain_p50_ms"] = statistics.median(plain)
            results["turn_with_input_and_output_shields_p50_ms"] = statistics.median(guarded)
            results["shields_added_per_turn_ms"] = (
                results["turn_with_input_and_output_shields_p50_ms"] - results["turn_plain_p50_ms"]
            )
    print(f"{'measure (median of ' + str(ROUNDS) + ' rounds)':<48} {'ms':>9}")
    for key, value in results.items():
        print(f"{key:<48} {value:>9.2f}")
    return results
