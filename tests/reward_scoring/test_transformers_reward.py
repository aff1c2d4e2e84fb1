"""`inline::transformers-reward` serving a reward model trained here by TRL's RewardTrainer: it
ranks a held-out helpful answer above a rude one, and batching does not change a score."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.reward_scoring.conftest import REWARD_MODELS, SCORE, assistant, user
from tests.support.reward_model import HELD_OUT_CHOSEN, HELD_OUT_QUESTION, HELD_OUT_REJECTED

REWARD = "helpfulness"
HELD_OUT = {
    "dialog": [user(HELD_OUT_QUESTION)],
    "k_generations": [assistant(HELD_OUT_CHOSEN), assistant(HELD_OUT_REJECTED)],
}
FRUIT = {
    "dialog": [user("Name a fruit.")],
    "k_generations": [assistant("An apple."), assistant("Leave me alone, fool.")],
}
ARITHMETIC = {
    "dialog": [user("What is 2 + 2?"), assistant("4."), user("And 3 + 3?")],
    "k_generations": [assistant("3 + 3 is 6."), assistant("Do your own homework, idiot."), assistant("Six.")],
}


@pytest.fixture(scope="module")
def reward_model(http: httpx.Client, reward_model_dir: Path) -> Iterator[str]:
    body = {"reward_model_id": REWARD, "provider_id": "transformers-reward", "provider_model_id": str(reward_model_dir)}
    response = http.post(REWARD_MODELS, json=body)
    assert response.status_code == 200, response.text
    yield REWARD
    assert http.delete(f"{REWARD_MODELS}/{REWARD}").status_code == 204


def _scores(http: httpx.Client, model: str, prompt_generations: list[dict]) -> list[list[float]]:
    response = http.post(SCORE, json={"model": model, "prompt_generations": prompt_generations})
    assert response.status_code == 200, response.text
    return [[s["score"] for s in entry["scored_generations"]] for entry in response.json()["scored_generations"]]


def test_held_out_chosen_answer_outranks_the_rejected_one(http: httpx.Client, reward_model: str) -> None:
    [[chosen, rejected]] = _scores(http, reward_model, [HELD_OUT])
    assert chosen > rejected


def test_batching_and_padding_do_not_move_a_score(http: httpx.Client, reward_model: str) -> None:
    # 7 pairs of different lengths over a batch size of 4, then the same pairs one dialog each and
    # in reverse order: other batch partners and other padding, the same scores.
    prompt_generations = [FRUIT, ARITHMETIC, HELD_OUT]
    together = _scores(http, reward_model, prompt_generations)
    assert [len(group) for group in together] == [2, 3, 2]
    singles = [{"dialog": e["dialog"], "k_generations": [r]} for e in prompt_generations for r in e["k_generations"]]
    apart = [group[0] for group in _scores(http, reward_model, singles[::-1])][::-1]
    assert [score for group in together for score in group] == pytest.approx(apart, abs=1e-3)
    fruit, arithmetic, _ = together
    assert fruit[0] > fruit[1] and min(arithmetic[0], arithmetic[2]) > arithmetic[1]
