"""The real clients a test talks to a running server through, and fixture factories for them.

A package's conftest defines its own ``server`` fixture and takes its client fixtures from here
(``http = http_fixture()``): the fixture is named after the attribute it is assigned to, and is
cached per package like one written out in that conftest.
"""

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from llama_stack_client import LlamaStackClient
from openai import OpenAI

from tests.support.server import START_TIMEOUT_S, RunningServer, run_server

TIMEOUT_S = 120.0

# What `pytest.fixture` returns (its type is not public).
Fixture = Callable[..., Any]


def openai_client(server: RunningServer, timeout: float = TIMEOUT_S) -> OpenAI:
    """``openai`` on the server's /v1, without retries (a failure shows at once)."""
    return OpenAI(base_url=f"{server.base_url}/v1", api_key="unused", max_retries=0, timeout=timeout)


def stack_client(server: RunningServer, timeout: float = TIMEOUT_S) -> LlamaStackClient:
    """``llama-stack-client`` on the server, without retries."""
    return LlamaStackClient(base_url=server.base_url, max_retries=0, timeout=timeout)


def server_fixture(run_yaml: str, name: str, timeout: float = START_TIMEOUT_S) -> Fixture:
    """A package-scoped ``server`` serving ``run_yaml`` from a fresh ``<name>*/state`` directory."""

    @pytest.fixture(scope="package")
    def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
        with run_server(run_yaml, tmp_path_factory.mktemp(name) / "state", timeout=timeout) as running:
            yield running

    return server


def openai_client_fixture(timeout: float = TIMEOUT_S) -> Fixture:
    """A package-scoped `openai_client` over the package's ``server``."""

    @pytest.fixture(scope="package")
    def fixture(server: RunningServer) -> OpenAI:
        return openai_client(server, timeout)

    return fixture


def stack_client_fixture(timeout: float = TIMEOUT_S) -> Fixture:
    """A package-scoped `stack_client` over the package's ``server``."""

    @pytest.fixture(scope="package")
    def fixture(server: RunningServer) -> LlamaStackClient:
        return stack_client(server, timeout)

    return fixture


def http_fixture(timeout: float = TIMEOUT_S) -> Fixture:
    """A package-scoped ``httpx.Client`` on the package's ``server``, closed at the end."""

    @pytest.fixture(scope="package")
    def fixture(server: RunningServer) -> Iterator[httpx.Client]:
        with httpx.Client(base_url=server.base_url, timeout=timeout) as client:
            yield client

    return fixture
