"""What the agent loop adds: a Responses turn with one client-tool round trip against the same
chat completions sent straight to the inference API, on a zero-work scripted model, so what is
left is the loop's own cost (and the persistence writes, measured apart with ``store``).

Target (issue 10): <= 2 ms added per inference step beyond the persistence writes. Each round
times, interleaved: two chat completions (the call, then the answer after the tool output),
the same two steps as responses without storing, and with storing; medians per step.
"""

import statistics
import tempfile
import time
from pathlib import Path

import httpx

from tests.agents.conftest import RUN_YAML, SCRIPTED, agents_env
from tests.support.server import run_server

ROUNDS = 200
TOOL = {
    "type": "function",
    "function": {
        "name": "lookup",
        "parameters": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]},
    },
}
RESPONSE_TOOL = {"type": "function", "name": "lookup", "parameters": TOOL["function"]["parameters"]}


def _direct(http: httpx.Client) -> float:
    started = time.perf_counter()
    messages = [{"role": "user", "content": "find x"}]
    call = http.post("/v1/chat/completions", json={"model": SCRIPTED, "messages": messages, "tools": [TOOL]}).json()
    tool_call = call["choices"][0]["message"]["tool_calls"][0]
    messages += [
        {"role": "assistant", "tool_calls": [tool_call]},
        {"role": "tool", "tool_call_id": tool_call["id"], "content": "found"},
    ]
    http.post(
        "/v1/chat/completions", json={"model": SCRIPTED, "messages": messages, "tools": [TOOL]}
    ).raise_for_status()
    return (time.perf_counter() - started) / 2


def _responses(http: httpx.Client, store: bool) -> float:
    started = time.perf_counter()
    body = {"model": SCRIPTED, "input": "find x", "tools": [RESPONSE_TOOL], "store": store}
    first = http.post("/v1/responses", json=body).json()
    call = first["output"][0]
    if store:
        follow = {"previous_response_id": first["id"], "input": []}
    else:  # nothing stored: send the history back, as a stateless client does
        follow = {"input": [{"type": "message", "role": "user", "content": "find x"}, call]}
    follow["input"] = [
        *follow["input"],
        {"type": "function_call_output", "call_id": call["call_id"], "output": "found"},
    ]
    http.post("/v1/responses", json={**body, **follow}).raise_for_status()
    return (time.perf_counter() - started) / 2


def main() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        with (
            run_server(RUN_YAML, home / "state", env=agents_env(home)) as server,
            httpx.Client(base_url=server.base_url, timeout=60) as http,
        ):
            for _ in range(10):  # warm up every path
                _direct(http), _responses(http, False), _responses(http, True)
            direct, loop, stored = [], [], []
            for _ in range(ROUNDS):
                direct.append(_direct(http))
                loop.append(_responses(http, False))
                stored.append(_responses(http, True))
    ms = {
        name: statistics.median(values) * 1000
        for name, values in (("direct", direct), ("loop", loop), ("stored", stored))
    }
    results = {
        "chat_step_ms": ms["direct"],
        "response_step_ms": ms["loop"],
        "response_step_stored_ms": ms["stored"],
        "loop_added_ms_per_step": ms["loop"] - ms["direct"],
        "persistence_added_ms_per_step": ms["stored"] - ms["loop"],
    }
    print(f"{'measure (median of ' + str(ROUNDS) + ' rounds)':<40} {'ms':>8}  target")
    for key, value in results.items():
        print(f"{key:<40} {value:>8.2f}  {'<= 2 ms' if key == 'loop_added_ms_per_step' else ''}")
    return results
