"""`remote::vllm` over several replicas (`urls`): the real server in front of real zero-work
backends, one of them slow, stopped and started again during the test. Each backend says how
many requests it took (``GET /served``), so where a request went is read from the backends."""

import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import ExitStack
from pathlib import Path

import httpx
import openai
import pytest
from pydantic import ValidationError

from plugstack_vllm.config import VLLMRemoteConfig
from tests.support.server import RunningServer, free_port, run_server
from tests.support.zero_backend import MODEL, zero_backend

CHAT = {"model": MODEL, "messages": [{"role": "user", "content": "Name a colour."}], "max_tokens": 8}
SLOW_S = 8.0  # the slow replica's answer time: far longer than a handful of zero-work requests
WAIT_S = 60.0


class Replica:
    """A zero-work backend on a fixed port, so the test can stop it and start it again there."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.port = free_port()
        self.delay_s = delay_s
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self._running = ExitStack()

    def start(self) -> "Replica":
        self._running.enter_context(zero_backend(self.port, self.delay_s))
        return self

    def stop(self) -> None:
        self._running.close()

    def served(self) -> int:
        return httpx.get(f"http://127.0.0.1:{self.port}/served", timeout=10).json()["served"]


def run_yaml(*replicas: Replica) -> str:
    urls = ", ".join(replica.url for replica in replicas)
    return f"""\
version: 1
distribution: balancer-test
apis: [inference]
providers:
  inference:
    - provider_id: vllm
      provider_type: remote::vllm
      config: {{urls: [{urls}], max_retries: 0, backend_retry_s: 0.2, discovery_interval_s: 0}}
registered_resources:
  models:
    - {{model_id: {MODEL}, provider_id: vllm}}
"""


@pytest.fixture
def replicas(tmp_path: Path) -> Iterator[Callable[..., tuple[RunningServer, list[Replica]]]]:
    """``start(*delays)``: one running replica per delay and a stack in front of them all."""
    with ExitStack() as running:

        def start(*delays: float) -> tuple[RunningServer, list[Replica]]:
            started = [Replica(delay).start() for delay in delays]
            for replica in started:
                running.callback(replica.stop)
            return running.enter_context(run_server(run_yaml(*started), tmp_path / "stack")), started

        yield start


def chat(stack: RunningServer) -> httpx.Response:
    return httpx.post(f"{stack.base_url}/v1/chat/completions", json=CHAT, timeout=WAIT_S)


def health(stack: RunningServer) -> dict[str, str]:
    providers = httpx.get(f"{stack.base_url}/v1/providers", timeout=WAIT_S).json()["data"]
    return next(p for p in providers if p["provider_id"] == "vllm")["health"]


def test_requests_take_turns_over_idle_replicas_streams_included(replicas: Callable[..., tuple]) -> None:
    stack, (a, b) = replicas(0.0, 0.0)
    for _ in range(8):
        assert chat(stack).status_code == 200
    assert (a.served(), b.served()) == (4, 4)  # always a tie at 0 in flight: strict turns
    client = openai.OpenAI(base_url=f"{stack.base_url}/v1", api_key="none", max_retries=0)
    for _ in range(2):
        chunks = list(client.chat.completions.create(**CHAT, stream=True))
        assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Blue."
    assert (a.served(), b.served()) == (5, 5)
    assert health(stack)["status"] == "OK"


def test_the_replica_with_fewer_requests_in_flight_takes_the_next(replicas: Callable[..., tuple]) -> None:
    stack, (slow, fast) = replicas(SLOW_S, 0.0)
    with ThreadPoolExecutor(2) as pool:
        # Two at once: one to each replica (the second pick sees the first in flight, or a tie
        # with the turn moved on). The fast one answers at once; the slow one holds its request.
        pair: list[Future[httpx.Response]] = [pool.submit(chat, stack) for _ in range(2)]
        done, _ = wait(pair, timeout=WAIT_S, return_when=FIRST_COMPLETED)
        assert [future.result().status_code for future in done] == [200]
        assert f"{slow.url} up, 1 in flight" in health(stack)["message"]
        for _ in range(6):  # the slow replica has 1 in flight, the fast one 0: all go to the fast one
            assert chat(stack).status_code == 200
        assert [future.result().status_code for future in pair] == [200, 200]
    assert (slow.served(), fast.served()) == (1, 7)


def test_a_dead_replica_is_left_out_reported_and_used_again_once_back(replicas: Callable[..., tuple]) -> None:
    stack, (a, b) = replicas(0.0, 0.0)
    assert chat(stack).status_code == 200
    a.stop()
    before = b.served()
    for _ in range(6):  # the request that finds it dead goes to the other one: none fails
        assert chat(stack).status_code == 200
    assert b.served() - before == 6
    state = health(stack)
    assert state["status"] == "OK"
    assert "1 of 2 replicas up" in state["message"] and f"{a.url} down since" in state["message"]
    models = httpx.get(f"{stack.base_url}/v1/models", timeout=WAIT_S).json()["data"]
    assert MODEL in {model["id"] for model in models}

    a.start()  # found again by the balancer's own probe, without a health call
    deadline = time.monotonic() + WAIT_S
    while a.served() == 0 and time.monotonic() < deadline:
        assert chat(stack).status_code == 200
    assert a.served() > 0, "the revived replica never took a request again"
    assert "2 of 2 replicas up" in health(stack)["message"]


def test_all_replicas_down_is_a_503_in_the_error_shape(replicas: Callable[..., tuple]) -> None:
    stack, (a, b) = replicas(0.0, 0.0)
    a.stop()
    b.stop()
    for body in (CHAT, {**CHAT, "stream": True}):
        response = httpx.post(f"{stack.base_url}/v1/chat/completions", json=body, timeout=WAIT_S)
        assert response.status_code == 503
        error = response.json()
        assert error["status"] == 503 and error["title"] == "Service Unavailable"
        assert "replicas of vLLM server are down" in error["detail"]
        assert a.url in error["detail"] and b.url in error["detail"]
    state = health(stack)
    assert state["status"] == "Error" and "0 of 2 replicas up" in state["message"]


def test_url_or_urls_in_the_config() -> None:
    assert VLLMRemoteConfig(url="http://a:8000").backend_urls() == ["http://a:8000"]
    assert VLLMRemoteConfig().backend_urls() == ["http://localhost:8000/v1"]
    several = VLLMRemoteConfig(urls="http://a:8000/v1, http://b:8000")
    assert several.backend_urls() == ["http://a:8000/v1", "http://b:8000"]
    assert several.url == "http://a:8000/v1"
    with pytest.raises(ValidationError, match=r"set `url` .* or `urls`"):
        VLLMRemoteConfig(url="http://a:8000", urls=["http://b:8000"])
    with pytest.raises(ValidationError, match=r"'http://a:8000' is listed twice"):
        VLLMRemoteConfig(urls=["http://a:8000/v1", "http://a:8000"])
    with pytest.raises(ValidationError, match="urls"):
        VLLMRemoteConfig(urls=[])
