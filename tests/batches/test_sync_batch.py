"""Synchronous batch inference (Llama Stack 0.2's shapes) over HTTP, with real tokens."""

import httpx

from tests.batches.conftest import COUNTING, REAL

GREEDY = {"strategy": {"type": "greedy"}, "max_tokens": 6}


def test_batch_chat_completion_answers_each_conversation_in_order(http: httpx.Client) -> None:
    body = {
        "model_id": REAL,
        "messages_batch": [
            [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": "Name a fruit."}],
            [{"role": "user", "content": [{"type": "text", "text": "Say hello."}]}],
        ],
        "sampling_params": GREEDY,
    }
    response = http.post("/v1/inference/batch-chat-completion", json=body)
    assert response.status_code == 200, response.text
    batch = response.json()["batch"]
    assert len(batch) == 2
    for item in batch:
        message = item["completion_message"]
        assert message["role"] == "assistant" and message["content"].strip()
        assert message["stop_reason"] in ("end_of_turn", "out_of_tokens")


def test_batch_chat_completion_keeps_conversations_apart(http: httpx.Client) -> None:
    body = {
        "model_id": COUNTING,
        "messages_batch": [[{"role": "user", "content": f"question {n}"}] for n in range(5)],
    }
    response = http.post("/v1/inference/batch-chat-completion", json=body)
    assert response.status_code == 200, response.text
    contents = [item["completion_message"]["content"] for item in response.json()["batch"]]
    assert contents == [f"counted: question {n}" for n in range(5)]


def test_batch_completion(http: httpx.Client) -> None:
    body = {"model_id": REAL, "content_batch": ["The sky is", "One, two,"], "sampling_params": GREEDY}
    response = http.post("/v1/inference/batch-completion", json=body)
    assert response.status_code == 200, response.text
    batch = response.json()["batch"]
    assert len(batch) == 2 and all(item["content"] for item in batch)
    assert {item["stop_reason"] for item in batch} <= {"end_of_turn", "out_of_tokens"}


def test_batch_errors_are_the_stack_error_body(http: httpx.Client) -> None:
    missing = http.post(
        "/v1/inference/batch-chat-completion",
        json={"model_id": "not-a-model", "messages_batch": [[{"role": "user", "content": "hi"}]]},
    )
    assert missing.status_code == 404 and "not-a-model" in missing.json()["detail"]
    constrained = http.post(
        "/v1/inference/batch-completion",
        json={"model_id": REAL, "content_batch": ["x"], "response_format": {"type": "json_schema", "json_schema": {}}},
    )
    assert constrained.status_code == 400 and constrained.json()["detail"].startswith("response_format")
    empty = http.post("/v1/inference/batch-chat-completion", json={"model_id": REAL, "messages_batch": [[]]})
    assert empty.status_code == 400 and "messages_batch" in empty.json()["detail"]
