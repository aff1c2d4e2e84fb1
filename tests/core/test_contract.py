"""Contract: the core routes' bodies validate against llama-stack-client 0.3.5's own types
(pydantic models generated from the API spec), strictly — not just "the client did not crash"."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from llama_stack_client.types import HealthInfo, ProviderInfo, RouteInfo, VersionInfo
from llama_stack_client.types import Model as ClientModel
from pydantic import BaseModel

from tests.support.server import RunningServer, run_server

RUN_YAML = """\
version: 1
distribution: contract
apis: [inference]
providers:
  inference:
    - provider_id: markov
      provider_type: inline::markov
registered_resources:
  models:
    - {model_id: chain, provider_id: markov, metadata: {context_length: 2}}
"""


@pytest.fixture(scope="module")
def server(markov_provider: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with run_server(RUN_YAML, tmp_path_factory.mktemp("contract")) as running:
        yield running


def _validate(model: type[BaseModel], body: object) -> None:
    model.model_validate(body, strict=False)


@pytest.mark.parametrize(
    ("path", "client_type", "is_list"),
    [
        ("/v1/health", HealthInfo, False),
        ("/v1/version", VersionInfo, False),
        ("/v1/providers", ProviderInfo, True),
        ("/v1/providers/markov", ProviderInfo, False),
        ("/v1/inspect/routes", RouteInfo, True),
        ("/v1/models", ClientModel, True),
        ("/v1/models/chain", ClientModel, False),
    ],
)
def test_bodies_match_the_client_types(server: RunningServer, path: str, client_type: type, is_list: bool) -> None:
    response = httpx.get(f"{server.base_url}{path}")
    assert response.status_code == 200
    body = response.json()
    items = body["data"] if is_list else [body]
    assert items
    for item in items:
        _validate(client_type, item)


def test_register_model_response_matches(server: RunningServer) -> None:
    body = {"model_id": "c2", "provider_id": "markov", "model_type": "llm", "metadata": {}}
    response = httpx.post(f"{server.base_url}/v1/models", json=body)
    _validate(ClientModel, response.json())
    assert httpx.delete(f"{server.base_url}/v1/models/c2").status_code == 204


def test_openai_model_fields(server: RunningServer) -> None:
    from openai.types import Model as OpenAIModel

    for item in httpx.get(f"{server.base_url}/v1/models").json()["data"]:
        _validate(OpenAIModel, item)
