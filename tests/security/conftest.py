"""One real server with the defaults an operator gets: localfs with no allowed_dirs or remote
settings, a small llama.cpp model with a one-request queue, and post-training."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.clients import http_fixture
from tests.support.models import smollm2_gguf
from tests.support.server import RunningServer, run_server

N_CTX = 512
RUN_YAML = """\
version: 1
distribution: security-test
apis: [inference, datasetio, post_training]
providers:
  inference:
    - provider_id: llama-cpp
      provider_type: inline::llama-cpp
      config:
        n_ctx: {n_ctx}
        max_queue: 1
        models: [{{model_id: smol, gguf: "{gguf}"}}]
  datasetio:
    - provider_id: localfs
      provider_type: inline::localfs
  post_training:
    - provider_id: trl
      provider_type: inline::trl
registered_resources:
  models:
    - {{model_id: smol, provider_id: llama-cpp}}
"""


@pytest.fixture(scope="package")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server's state is ``state/``; ``data/`` beside it is readable by default, the rest is not."""
    root = tmp_path_factory.mktemp("security")
    (root / "data").mkdir()
    (root / "outside").mkdir()
    return root


@pytest.fixture(scope="package")
def server(home: Path) -> Iterator[RunningServer]:
    with run_server(RUN_YAML.format(n_ctx=N_CTX, gguf=smollm2_gguf()), home / "state") as running:
        yield running


http = http_fixture()


def error(response: httpx.Response, status: int) -> str:
    """The detail of an `Error` body with ``status``."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status and set(body) <= {"status", "title", "detail", "instance"}
    return body["detail"]
