"""Contract: the score route's request and response shapes (the 2024 draft's reward_scoring/score,
served under /v1alpha), and the reward model resource routes, on the real server."""

import httpx
from openai import OpenAI

from plugstack.apis.reward_scoring.models import RewardModel, RewardScoringResponse
from tests.reward_scoring.conftest import JUDGE, JUDGE_LLM, REWARD_MODELS, SCORE, assistant, user
from tests.support.server import RunningServer


def test_score_returns_one_scored_entry_per_dialog_and_generation_in_order(http: httpx.Client) -> None:
    prompt_generations = [
        {"dialog": [user("Say hi.")], "k_generations": [assistant("Hi!"), assistant("Hello there.")]},
        {
            "dialog": [{"role": "system", "content": "Be brief."}, user("Name a colour.")],
            "k_generations": [assistant("Blue.")],
        },
    ]
    response = http.post(SCORE, json={"model": JUDGE, "prompt_generations": prompt_generations})
    assert response.status_code == 200, response.text
    body = RewardScoringResponse.model_validate(response.json())
    assert len(body.scored_generations) == 2
    for sent, scored in zip(prompt_generations, body.scored_generations, strict=True):
        assert [m.model_dump(exclude_none=True) for m in scored.dialog] == sent["dialog"]
        assert [s.message.model_dump(exclude_none=True) for s in scored.scored_generations] == sent["k_generations"]
        assert all(isinstance(s.score, float) for s in scored.scored_generations)


def test_reward_models_are_resources_of_their_own(http: httpx.Client) -> None:
    listed = http.get(REWARD_MODELS).json()["data"]
    judge = RewardModel.model_validate(next(item for item in listed if item["identifier"] == JUDGE))
    assert (judge.provider_id, judge.provider_resource_id, judge.type) == ("llm-as-judge", JUDGE_LLM, "reward_model")

    registered = http.post(
        REWARD_MODELS,
        json={
            "reward_model_id": "strict-judge",
            "provider_model_id": JUDGE_LLM,
            "provider_id": "llm-as-judge",
            "params": {"min_score": 0, "max_score": 3},
        },
    )
    assert registered.status_code == 200, registered.text
    assert http.get(f"{REWARD_MODELS}/strict-judge").json()["params"] == {"min_score": 0, "max_score": 3}
    assert http.delete(f"{REWARD_MODELS}/strict-judge").status_code == 204
    assert http.get(f"{REWARD_MODELS}/strict-judge").status_code == 404


def test_models_list_stays_parseable_by_openai_without_reward_models(server: RunningServer) -> None:
    client = OpenAI(base_url=f"{server.base_url}/v1", api_key="unused", max_retries=0)
    ids = [model.id for model in client.models.list()]
    assert JUDGE_LLM in ids and JUDGE not in ids


def test_routes_are_listed_with_their_providers(http: httpx.Client) -> None:
    routes = {(route["route"], route["method"]): route for route in http.get("/v1/inspect/routes").json()["data"]}
    score = routes[(SCORE, "POST")]
    assert set(score["provider_types"]) == {"inline::llm-as-judge", "inline::transformers-reward"}
    assert (REWARD_MODELS, "GET") in routes
    assert SCORE in http.get("/openapi.json").json()["paths"]
