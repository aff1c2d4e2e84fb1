"""Malformed requests and unknown reward models: 4xx with the {status, title, detail} body, the
field named; bad registrations refused before anything loads."""

from pathlib import Path

import httpx
import pytest

from tests.reward_scoring.conftest import JUDGE, REWARD_MODELS, SCORE, assistant, user

ONE = [{"dialog": [user("Hi")], "k_generations": [assistant("Hello")]}]


def _error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body["detail"]


def test_unknown_reward_model_is_404_listing_the_known_ones(http: httpx.Client) -> None:
    detail = _error(http.post(SCORE, json={"model": "no-such-judge", "prompt_generations": ONE}), 404)
    assert "no-such-judge" in detail and JUDGE in detail


def test_an_llm_is_not_a_reward_model(http: httpx.Client) -> None:
    _error(http.post(SCORE, json={"model": "smol", "prompt_generations": ONE}), 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"model": JUDGE, "prompt_generations": []}, "prompt_generations"),
        ({"model": JUDGE, "prompt_generations": [{"dialog": [user("Hi")], "k_generations": []}]}, "k_generations"),
        ({"model": JUDGE, "prompt_generations": [{"dialog": [], "k_generations": [assistant("x")]}]}, "dialog"),
        ({"prompt_generations": ONE}, "model"),
        ({"model": "", "prompt_generations": ONE}, "model"),
        ({"model": JUDGE, "prompt_generations": [{"dialog": "Hi", "k_generations": [assistant("x")]}]}, "dialog"),
        (
            {
                "model": JUDGE,
                "prompt_generations": [
                    {"dialog": [{"role": "robot", "content": "x"}], "k_generations": [assistant("x")]}
                ],
            },
            "role",
        ),
    ],
)
def test_malformed_requests_are_400_naming_the_field(http: httpx.Client, body: dict, field: str) -> None:
    assert field in _error(http.post(SCORE, json=body), 400)


def test_a_body_that_is_not_json_is_400(http: httpx.Client) -> None:
    response = http.post(SCORE, content=b"{not json", headers={"content-type": "application/json"})
    _error(response, 400)


def test_judge_params_are_checked_at_registration(http: httpx.Client) -> None:
    bad_scale = {
        "reward_model_id": "j2",
        "provider_id": "llm-as-judge",
        "provider_model_id": "smol",
        "params": {"min_score": 5, "max_score": 5},
    }
    assert "max_score" in _error(http.post(REWARD_MODELS, json=bad_scale), 400)
    bad_template = {**bad_scale, "params": {"prompt_template": "Rate {answer}"}}
    assert "prompt_template" in _error(http.post(REWARD_MODELS, json=bad_template), 400)
    unknown = {**bad_scale, "params": {"temperature": 1}}
    assert "params.temperature" in _error(http.post(REWARD_MODELS, json=unknown), 400)
    assert http.get(f"{REWARD_MODELS}/j2").status_code == 404


def test_transformers_reward_needs_a_one_label_classifier_folder(http: httpx.Client, tmp_path: Path) -> None:
    missing = {"reward_model_id": "rm", "provider_id": "transformers-reward", "provider_model_id": str(tmp_path)}
    assert "provider_model_id" in _error(http.post(REWARD_MODELS, json=missing), 400)
    (tmp_path / "config.json").write_text('{"architectures": ["LlamaForCausalLM"]}')
    detail = _error(http.post(REWARD_MODELS, json=missing), 400)
    assert "LlamaForCausalLM" in detail and "num_labels=1" in detail


def test_a_judge_naming_no_registered_llm_is_a_stack_fault_not_a_404(http: httpx.Client) -> None:
    body = {"reward_model_id": "lost-judge", "provider_id": "llm-as-judge", "provider_model_id": "no-such-llm"}
    assert http.post(REWARD_MODELS, json=body).status_code == 200
    try:
        detail = _error(http.post(SCORE, json={"model": "lost-judge", "prompt_generations": ONE}), 502)
        assert "no-such-llm" in detail
    finally:
        http.delete(f"{REWARD_MODELS}/lost-judge")


def test_register_without_provider_id_names_the_choices(http: httpx.Client) -> None:
    detail = _error(http.post(REWARD_MODELS, json={"reward_model_id": "x"}), 400)
    assert "llm-as-judge" in detail and "transformers-reward" in detail
