"""Oversized and abandoned inference work: refused early, or stopped when its client leaves."""

import threading
import time

import httpx

from tests.security.conftest import N_CTX, error
from tests.support.server import RunningServer

MAX_CHARS_PER_TOKEN = 16  # plugstack.apis.inference.limits


def test_max_tokens_beyond_the_context_is_400_naming_the_limit(http: httpx.Client) -> None:
    chat = {"model": "smol", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 100_000}
    detail = error(http.post("/v1/chat/completions", json=chat), 400)
    assert "max_tokens" in detail and str(N_CTX) in detail
    chat = {**chat, "max_tokens": None, "max_completion_tokens": N_CTX + 1}
    assert "max_completion_tokens" in error(http.post("/v1/chat/completions", json=chat), 400)
    completion = {"model": "smol", "prompt": "hi", "max_tokens": 100_000}
    assert "max_tokens" in error(http.post("/v1/completions", json=completion), 400)


def test_a_prompt_too_long_for_any_tokenisation_is_refused_by_its_length(http: httpx.Client) -> None:
    huge = "word " * (N_CTX * MAX_CHARS_PER_TOKEN // 5 + 1)
    detail = error(http.post("/v1/completions", json={"model": "smol", "prompt": huge, "max_tokens": 1}), 400)
    assert "prompt" in detail and "characters" in detail
    chat = {"model": "smol", "messages": [{"role": "user", "content": huge}], "max_tokens": 1}
    assert "messages" in error(http.post("/v1/chat/completions", json=chat), 400)


def _long_request(server: RunningServer, gave_up: threading.Event) -> None:
    """Thousands of tokens (16 choices of up to 480), abandoned by its client after 3 s."""
    body = {"model": "smol", "prompt": "Once upon a time", "max_tokens": 480, "n": 16, "temperature": 1.5}
    try:
        httpx.post(f"{server.base_url}/v1/completions", json=body, timeout=3)
    except httpx.TimeoutException:
        gave_up.set()


def _one_token(server: RunningServer, budget_s: float) -> httpx.Response:
    """A one-token request, retried on 429 as its Retry-After says, until ``budget_s`` is spent."""
    deadline = time.monotonic() + budget_s
    body = {"model": "smol", "prompt": "Hello", "max_tokens": 1}
    while True:
        response = httpx.post(f"{server.base_url}/v1/completions", json=body, timeout=budget_s)
        if response.status_code != 429 or time.monotonic() > deadline:
            return response
        time.sleep(float(response.headers["Retry-After"]))


def test_an_abandoned_request_frees_the_model_and_a_full_queue_says_when_to_retry(server: RunningServer) -> None:
    gave_up = threading.Event()
    abandoned = threading.Thread(target=_long_request, args=(server, gave_up))
    abandoned.start()
    time.sleep(1.5)  # the long request holds the model (max_queue 1): others are turned away, told when to retry
    busy = httpx.post(f"{server.base_url}/v1/completions", json={"model": "smol", "prompt": "x", "max_tokens": 1})
    error(busy, 429)
    assert int(busy.headers["Retry-After"]) >= 1
    abandoned.join()
    assert gave_up.is_set(), "the long request should still have been generating when its client gave up"
    # Left running, the abandoned request would hold the model for a minute or more (thousands of
    # tokens); stopped at its next token, it lets a one-token request through at once. The bound is
    # generous for a loaded machine, and far below what the abandoned work would take.
    started = time.monotonic()
    response = _one_token(server, budget_s=30)
    assert response.status_code == 200, response.text
    assert time.monotonic() - started < 30
