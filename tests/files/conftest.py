"""A real server with only the files API, its provider's upload limit small enough to pass in a test."""

from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from openai import OpenAI

from tests.support.clients import openai_client
from tests.support.server import RunningServer, run_server

MAX_FILE_BYTES = 1_000_000
RUN_YAML = f"""
version: 1
distribution: files-test
apis: [files]
providers:
  files:
    - provider_id: files
      provider_type: inline::localfs
      config:
        max_file_bytes: {MAX_FILE_BYTES}
"""


def start(state_dir: Path) -> AbstractContextManager[RunningServer]:
    return run_server(RUN_YAML, state_dir)


def content_dir(state_dir: Path) -> Path:
    """Where the provider keeps the bytes."""
    return state_dir / "providers" / "files" / "files"


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("files-server")


@pytest.fixture(scope="module")
def server(state_dir: Path) -> Iterator[RunningServer]:
    with start(state_dir) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: RunningServer) -> OpenAI:
    return openai_client(server)
