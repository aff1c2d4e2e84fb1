"""Bad input and failures: the right status and `Error` body, and the server keeps serving."""

import json
import threading
import time

import httpx
import pytest

from tests.inference.conftest import CHAT_MODEL, EMBEDDING_MODEL
from tests.support.models import smollm2_gguf

pytestmark = pytest.mark.slow
HELLO = [{"role": "user", "content": "Hello"}]


def chat(http: httpx.Client, **body: object) -> httpx.Response:
    return http.post("/v1/chat/completions", json={"model": CHAT_MODEL, "messages": HELLO, "max_tokens": 4, **body})


def test_unknown_model_is_404_listing_the_available_ones(http: httpx.Client) -> None:
    response = chat(http, model="no-such-model")
    body = response.json()
    assert response.status_code == 404 and body["status"] == 404
    assert "no-such-model" in body["detail"] and CHAT_MODEL in body["detail"] and EMBEDDING_MODEL in body["detail"]
    assert body["instance"] == "/v1/chat/completions"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"temperature": 5}, "temperature"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"response_format": {"type": "xml"}}, "response_format"),
        ({"response_format": {"type": "json_schema"}}, "json_schema"),
        ({"logprobs": False, "top_logprobs": 2}, "top_logprobs"),
        ({"tool_choice": "required"}, "tools"),
        ({"tools": [{"type": "function", "function": {"name": "bad name!"}}]}, "name"),
        ({"messages": []}, "messages"),
        ({"messages": [{"role": "wizard", "content": "hi"}]}, "role"),
    ],
)
def test_invalid_chat_parameters_are_400_naming_the_field(http: httpx.Client, body: dict, field: str) -> None:
    response = chat(http, **body)
    assert response.status_code == 400, response.text
    assert response.json()["title"] == "Bad Request" and field in response.json()["detail"]


def test_prompt_over_the_context_is_400_naming_it(http: httpx.Client) -> None:
    response = http.post("/v1/completions", json={"model": CHAT_MODEL, "prompt": "word " * 3000, "stream": True})
    assert response.status_code == 400 and "prompt" in response.json()["detail"]


def test_model_of_the_wrong_kind_is_400(http: httpx.Client) -> None:
    assert chat(http, model=EMBEDDING_MODEL).status_code == 400
    response = http.post("/v1alpha/inference/rerank", json={"model": CHAT_MODEL, "query": "q", "items": ["a"]})
    assert response.status_code == 400 and "embedding" in response.json()["detail"]


def test_rerank_needs_items(http: httpx.Client) -> None:
    response = http.post("/v1alpha/inference/rerank", json={"model": EMBEDDING_MODEL, "query": "q", "items": []})
    assert response.status_code == 400 and "items" in response.json()["detail"]


def test_registering_a_missing_gguf_is_400_naming_the_path(http: httpx.Client) -> None:
    response = http.post(
        "/v1/models", json={"model_id": "ghost", "provider_id": "llama-cpp", "provider_model_id": "/nowhere/ghost.gguf"}
    )
    assert response.status_code == 400 and "/nowhere/ghost.gguf" in response.json()["detail"]
    assert http.get("/v1/models/ghost").status_code == 404


def test_generation_does_not_block_the_event_loop(http: httpx.Client) -> None:
    """While a long generation runs on the model's thread, the server still answers at once."""
    done = threading.Event()

    def generate() -> None:
        http.post(
            "/v1/completions",
            json={"model": CHAT_MODEL, "prompt": "Count: 1, 2, 3,", "max_tokens": 300, "temperature": 0},
        )
        done.set()

    worker = threading.Thread(target=generate)
    worker.start()
    time.sleep(0.5)  # the generation is under way
    assert http.get("/v1/health").status_code == 200
    assert not done.is_set(), "health answered only after the generation ended"
    worker.join()


def test_failure_mid_stream_ends_with_an_error_event(http: httpx.Client) -> None:
    """Unloading a model while it streams ends the stream with an `Error` event, then [DONE]."""
    registered = http.post(
        "/v1/models",
        json={"model_id": "smollm2-by-path", "provider_id": "llama-cpp", "provider_model_id": str(smollm2_gguf())},
    )
    assert registered.status_code == 200, registered.text
    request = {
        "model": "smollm2-by-path",
        "prompt": "Count: 1, 2, 3,",
        "max_tokens": 500,
        "temperature": 0,
        "stream": True,
    }
    with http.stream("POST", "/v1/completions", json=request) as response:
        assert response.status_code == 200
        events = []
        for line in response.iter_lines():
            if not line.startswith("data: "):
                continue
            events.append(line.removeprefix("data: "))
            if len(events) == 3:
                assert http.delete("/v1/models/smollm2-by-path").status_code == 204
    assert events[-1] == "[DONE]"
    error = json.loads(events[-2])["error"]
    assert error["status"] == 503 and "unloaded" in error["detail"]
    assert len(events) < 100  # it stopped at the unload, not after 500 tokens
    assert chat(http).status_code == 200  # the server and the starter model are unaffected
