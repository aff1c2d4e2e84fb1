"""The core routes through the real server, with the published llama-stack-client and raw HTTP."""

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from llama_stack_client import LlamaStackClient, NotFoundError

from plugstack import __version__
from tests.support.server import RunningServer, run_server

RUN_YAML = """\
version: 1
distribution: core-test
apis: [inference]
providers:
  inference:
    - provider_id: markov
      provider_type: inline::markov
    - provider_id: broken
      provider_type: inline::markov
      config:
        corpus: /nonexistent/corpus.txt
registered_resources:
  models:
    - model_id: chain
      provider_id: markov
    - model_id: on-broken
      provider_id: broken
"""


@pytest.fixture(scope="module")
def server(markov_provider: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with run_server(RUN_YAML, tmp_path_factory.mktemp("core-server")) as running:
        yield running


@pytest.fixture
def client(server: RunningServer) -> LlamaStackClient:
    return LlamaStackClient(base_url=server.base_url)


def test_health_and_version(client: LlamaStackClient) -> None:
    assert client.inspect.health().status == "OK"
    assert client.inspect.version().version == __version__


def test_providers_list_with_package_version_and_health(client: LlamaStackClient, server: RunningServer) -> None:
    providers = {p.provider_id: p for p in client.providers.list()}
    assert providers["markov"].provider_type == "inline::markov"
    assert providers["markov"].health == {"status": "OK"}
    assert providers["broken"].health["status"] == "Error"
    assert "FileNotFoundError" in str(providers["broken"].health["message"])
    raw = httpx.get(f"{server.base_url}/v1/providers/markov").json()
    assert (raw["package"], raw["version"]) == ("plugstack-markov", "0.1.0")
    assert client.providers.retrieve("markov").api == "inference"


def test_unknown_provider_is_404_listing_the_others(server: RunningServer) -> None:
    response = httpx.get(f"{server.base_url}/v1/providers/nope")
    assert response.status_code == 404
    assert response.json() == {
        "status": 404,
        "title": "Not Found",
        "detail": "provider 'nope' not found; available: broken, markov",
        "instance": "/v1/providers/nope",
    }


def test_routes_list(client: LlamaStackClient) -> None:
    routes = {(r.route, r.method): r.provider_types for r in client.routes.list()}
    assert routes[("/v1/health", "GET")] == []
    assert routes[("/v1/chat/completions", "POST")] == ["inline::markov"]
    assert ("/v1/models", "POST") in routes and ("/v1/models/{model_id:path}", "DELETE") in routes


def test_models_register_list_unregister(client: LlamaStackClient) -> None:
    assert {m.identifier for m in client.models.list()} >= {"chain", "on-broken"}
    model = client.models.register(
        model_id="my-chain", provider_id="markov", provider_model_id="inner", metadata={"note": "x"}
    )
    assert (model.identifier, model.provider_id, model.provider_resource_id) == ("my-chain", "markov", "inner")
    assert model.api_model_type == "llm" and model.metadata == {"note": "x"}
    assert client.models.retrieve("my-chain").provider_resource_id == "inner"
    # the same registration again is a no-op
    client.models.register(model_id="my-chain", provider_id="markov", provider_model_id="inner", metadata={"note": "x"})
    client.models.unregister("my-chain")
    with pytest.raises(NotFoundError):
        client.models.retrieve("my-chain")


def test_openai_client_lists_models(server: RunningServer) -> None:
    import openai

    models = openai.OpenAI(base_url=f"{server.base_url}/v1", api_key="x").models.list()
    chain = next(m for m in models if m.id == "chain")
    assert chain.object == "model" and chain.owned_by == "markov"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "detail"),
    [
        ("POST", "/v1/models", {"provider_id": "markov"}, 400, "body.model_id: Field required"),
        ("POST", "/v1/models", {"model_id": "x", "model_type": "vision"}, 400, "body.model_type: Input should be"),
        ("POST", "/v1/models", {"model_id": "x", "provider_id": "gone"}, 400, "provider_id 'gone' is not a inference"),
        ("POST", "/v1/models", {"model_id": "x"}, 400, "several inference providers are configured"),
        (
            "POST",
            "/v1/models",
            {"model_id": "chain", "provider_id": "markov", "provider_model_id": "other"},
            409,
            "model 'chain' is already registered",
        ),
        ("POST", "/v1/models", {"model_id": "later", "provider_id": "broken"}, 503, "provider 'broken'"),
        ("GET", "/v1/models/absent", None, 404, "model 'absent' not found; available: chain, on-broken"),
        ("DELETE", "/v1/models/absent", None, 404, "model 'absent' not found"),
        ("POST", "/v1/chat/completions", {"model": "chain", "messages": "hi"}, 400, "body.messages: Input should be"),
        (
            "POST",
            "/v1/chat/completions",
            {"model": "chain", "messages": [{"role": "user", "content": "x"}], "temperature": 5},
            400,
            "body.temperature: Input should be less than",
        ),
        (
            "POST",
            "/v1/chat/completions",
            {"model": "nope", "messages": [{"role": "user", "content": "x"}]},
            404,
            "model 'nope' not found; available: chain, on-broken",
        ),
        (
            "POST",
            "/v1/chat/completions",
            {"model": "on-broken", "messages": [{"role": "user", "content": "x"}]},
            503,
            "provider 'broken' (inline::markov) is unavailable: failed to start: FileNotFoundError",
        ),
        ("GET", "/v1/nowhere", None, 404, "no route GET /v1/nowhere"),
        ("DELETE", "/v1/health", None, 405, "Method Not Allowed"),
    ],
)
def test_errors_carry_the_error_body(
    server: RunningServer, method: str, path: str, body: object, status: int, detail: str
) -> None:
    response = httpx.request(method, f"{server.base_url}{path}", json=body)
    assert response.status_code == status, response.text
    error = response.json()
    assert set(error) == {"status", "title", "detail", "instance"}
    assert error["status"] == status and error["instance"] == path
    assert detail in error["detail"]


def test_malformed_json_is_400(server: RunningServer) -> None:
    response = httpx.post(
        f"{server.base_url}/v1/models", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["title"] == "Bad Request"


def test_any_client_version_header_is_accepted(server: RunningServer) -> None:
    for version in ("0.0.1", "0.2.0", "99.0.0"):
        response = httpx.get(f"{server.base_url}/v1/models", headers={"X-LlamaStack-Client-Version": version})
        assert response.status_code == 200


def test_openapi_and_docs(server: RunningServer) -> None:
    spec = httpx.get(f"{server.base_url}/openapi.json").json()
    assert {"/v1/health", "/v1/providers", "/v1/models", "/v1/chat/completions"} <= set(spec["paths"])
    assert httpx.get(f"{server.base_url}/docs").status_code == 200


def test_registrations_survive_a_restart(markov_provider: Path, tmp_path: Path) -> None:
    with run_server(RUN_YAML, tmp_path) as first:
        LlamaStackClient(base_url=first.base_url).models.register(model_id="kept", provider_id="markov")
    with run_server(RUN_YAML, tmp_path) as second:
        ids = {m.identifier for m in LlamaStackClient(base_url=second.base_url).models.list()}
        assert {"kept", "chain", "on-broken"} <= ids


def test_the_server_log_shows_plugstack_records_at_info(server: RunningServer) -> None:
    """`plugstack run` prints its own and its providers' INFO records (not only uvicorn's)."""
    assert "plugstack.server.app: stack 'core-test' ready in" in server.log()


def test_the_access_log_has_uvicorns_lines(server: RunningServer) -> None:
    """Batched (plugstack.server.access_log), but line for line what uvicorn writes."""
    httpx.get(f"{server.base_url}/v1/models?limit=1", timeout=30)
    deadline = time.monotonic() + 5
    while '"GET /v1/models?limit=1 HTTP/1.1" 200 OK' not in server.log():
        assert time.monotonic() < deadline, server.log()[-2000:]
        time.sleep(0.05)
    assert re.search(r'^INFO:     127\.0\.0\.1:\d+ - "GET /v1/models\?limit=1 HTTP/1\.1" 200 OK$', server.log(), re.M)
