"""Reward scoring throughput (issue 14): scored generations per second through the real server,
for `inline::llm-as-judge` on the embedded SmolLM2 and `inline::transformers-reward` serving a
SmolLM2 reward model trained by TRL's RewardTrainer (cached by tests/support/reward_model.py).

Each round is one request of dialogs x k generations; the first request of each reward model
(loading, warm-up) is not timed. Throughput is the median over rounds.
"""

import statistics
import tempfile
import time
from pathlib import Path

import httpx

from tests.reward_scoring.conftest import JUDGE, REWARD_MODELS, RUN_YAML, SCORE
from tests.support.reward_model import cached_reward_model, default_cache_root
from tests.support.server import run_server

ROUNDS = 3
K = 4
QUESTIONS = [
    "What is the capital of Spain?",
    "How many legs does a cat have?",
    "Name a primary colour.",
    "What is 9 + 3?",
]
REPLIES = ["Madrid is the capital.", "I don't know.", "Ask someone else, idiot.", "It is a good question."]
SHAPES = {"judge": 2, "transformers-reward": 16}  # dialogs per request, each with K generations


def _request(model: str, dialogs: int) -> dict:
    return {
        "model": model,
        "prompt_generations": [
            {
                "dialog": [{"role": "user", "content": QUESTIONS[i % len(QUESTIONS)]}],
                "k_generations": [{"role": "assistant", "content": reply} for reply in REPLIES[:K]],
            }
            for i in range(dialogs)
        ],
    }


def _rate(http: httpx.Client, model: str, dialogs: int) -> float:
    body = _request(model, dialogs)
    http.post(SCORE, json=body).raise_for_status()  # warm-up: loads the model
    rates = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        http.post(SCORE, json=body).raise_for_status()
        rates.append(dialogs * K / (time.perf_counter() - started))
    return statistics.median(rates)


def main() -> dict[str, float]:
    folder = cached_reward_model(default_cache_root())
    results: dict[str, float] = {}
    with (
        tempfile.TemporaryDirectory() as tmp,
        run_server(RUN_YAML, Path(tmp) / "state", timeout=600) as server,
        httpx.Client(base_url=server.base_url, timeout=900) as http,
    ):
        register = {
            "reward_model_id": "trained",
            "provider_id": "transformers-reward",
            "provider_model_id": str(folder),
        }
        http.post(REWARD_MODELS, json=register).raise_for_status()
        results["judge_generations_per_s"] = _rate(http, JUDGE, SHAPES["judge"])
        results["transformers_reward_generations_per_s"] = _rate(http, "trained", SHAPES["transformers-reward"])
    print(f"{'measure (median of ' + str(ROUNDS) + ' requests)':<44} {'gen/s':>9}")
    for key, value in results.items():
        print(f"{key:<44} {value:>9.2f}")
    return results
