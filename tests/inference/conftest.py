"""One real `starter` server for the whole package, so each model loads once."""

from collections.abc import Iterator

import pytest

from tests.support.clients import http_fixture, openai_client_fixture, stack_client_fixture
from tests.support.server import RunningServer, run_server

CHAT_MODEL = "HuggingFaceTB/SmolLM2-135M-Instruct"
EMBEDDING_MODEL = "all-MiniLM-L6-v2"


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    home = tmp_path_factory.mktemp("starter")
    env = {"HF_HOME": str(home / "hf-home"), "HF_HUB_OFFLINE": "1"}
    with run_server("starter", home / "state", env=env) as running:
        yield running


openai_client = openai_client_fixture()
stack_client = stack_client_fixture()
http = http_fixture()
