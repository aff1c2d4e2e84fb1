"""Malformed and unknown things: 400s and 404s with the Error body, naming what is wrong."""

import httpx
import pytest

from tests.agents.conftest import SCRIPTED


@pytest.mark.parametrize(
    ("body", "status", "named"),
    [
        ({"model": "nope", "input": "hi"}, 404, "'nope'"),
        ({"model": SCRIPTED, "input": "hi", "previous_response_id": "resp_missing"}, 404, "resp_missing"),
        ({"model": SCRIPTED, "input": "hi", "conversation": "conv_missing"}, 404, "conv_missing"),
        ({"model": SCRIPTED, "input": "hi", "conversation": "abc"}, 400, "conversation"),
        (
            {"model": SCRIPTED, "input": "hi", "conversation": "conv_x", "previous_response_id": "resp_y"},
            400,
            "together",
        ),
        ({"model": SCRIPTED, "input": []}, 400, "input"),
        ({"model": SCRIPTED, "input": [{"type": "telepathy", "text": "x"}]}, 400, "input"),
        ({"model": SCRIPTED, "input": [{"type": "function_call_output", "output": "x"}]}, 400, "call_id"),
        ({"model": SCRIPTED, "input": "hi", "tools": [{"type": "function", "name": "bad name!"}]}, 400, "name"),
        ({"model": SCRIPTED, "input": "hi", "tools": [{"type": "web_search"}]}, 400, "tools[0].type"),
        ({"model": SCRIPTED, "input": "hi", "tool_choice": {"type": "function", "name": "x"}}, 400, "tool_choice"),
        ({"model": SCRIPTED, "input": "hi", "guardrails": ["no-such-shield"]}, 404, "no-such-shield"),
    ],
)
def test_bad_response_requests(http: httpx.Client, body: dict, status: int, named: str) -> None:
    response = http.post("/v1/responses", json=body)
    assert response.status_code == status, response.text
    error = response.json()
    assert error["status"] == status and named in error["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/responses/resp_missing",
        "/v1/responses/resp_missing/input_items",
        "/v1/conversations/conv_missing",
        "/v1/conversations/conv_missing/items",
    ],
)
def test_unknown_ids_are_404s_naming_them(http: httpx.Client, path: str) -> None:
    response = http.get(path)
    assert response.status_code == 404
    assert "_missing" in response.json()["detail"]


def test_unknown_item_in_a_known_conversation(http: httpx.Client) -> None:
    conversation = http.post("/v1/conversations", json={}).json()
    response = http.get(f"/v1/conversations/{conversation['id']}/items/msg_missing")
    assert response.status_code == 404 and "msg_missing" in response.json()["detail"]
