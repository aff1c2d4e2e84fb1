"""Requests refused up front, with the stack's error body: nothing is generated for them."""

from typing import Any

import httpx
import pytest

from tests.synthetic_data.conftest import GENERATE, JOBS, request, user

PROMPT = [user("Name a fruit.")]


def refused(http: httpx.Client, body: dict[str, Any], status: int, path: str = GENERATE) -> str:
    response = http.post(path, json=body)
    assert response.status_code == status, response.text
    error = response.json()
    assert error["status"] == status and error["title"] and error["detail"]
    return error["detail"]


def test_unknown_model_is_404_naming_the_registered_ones(http: httpx.Client) -> None:
    detail = refused(http, request(PROMPT, model="no-such-model"), 404)
    assert "no-such-model" in detail and "smol" in detail


def test_unknown_reward_model_is_404(http: httpx.Client) -> None:
    detail = refused(http, request(PROMPT, reward_scoring={"model": "no-such-judge"}), 404)
    assert "no-such-judge" in detail and "judge" in detail


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"filtering_function": "best_of"}, "filtering_function"),
        ({"k": 0}, "k"),
        ({"k": 17}, "k"),
        ({"dialogs": []}, "dialogs"),
        ({"filtering": {"top_p": 0}}, "top_p"),
        ({"save_as": "csv", "dataset_id": "x"}, "save_as"),
        ({"unknown_field": 1}, "unknown_field"),
    ],
)
def test_malformed_requests_are_400_naming_the_field(http: httpx.Client, fields: dict[str, Any], field: str) -> None:
    assert field in refused(http, {**request(PROMPT), **fields}, 400)


def test_a_dialog_ending_with_the_answer_is_400(http: httpx.Client) -> None:
    dialog = [user("Hi"), {"role": "assistant", "content": "Hello!"}]
    assert "dialogs[1]" in refused(http, request([user("Name a colour."), dialog]), 400)


def test_saving_into_a_dataset_of_another_purpose_is_400(http: httpx.Client) -> None:
    rows = [{"question": "What is 2 + 2?", "answer": "4"}]
    http.post(
        "/v1beta/datasets",
        json={"purpose": "eval/question-answer", "source": {"type": "rows", "rows": rows}, "dataset_id": "qa"},
    ).raise_for_status()
    detail = refused(http, request(PROMPT, dataset_id="qa", save_as="preference"), 400)
    assert "'qa'" in detail and "post-training/preferences" in detail


def test_jobs_are_refused_the_same_way_and_unknown_jobs_are_404(http: httpx.Client) -> None:
    refused(http, request(PROMPT, model="no-such-model"), 404, path=JOBS)
    refused(http, request(PROMPT, k=0), 400, path=JOBS)
    assert "nope" in refused_get(http, f"{JOBS}/nope", 404)
    assert http.post(f"{JOBS}/nope/cancel").status_code == 404


def refused_get(http: httpx.Client, path: str, status: int) -> str:
    response = http.get(path)
    assert response.status_code == status, response.text
    return response.json()["detail"]
