"""A real OpenAI-compatible backend (llama-cpp-python's server on SmolLM2) for remote tests."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.models import smollm2_gguf
from tests.support.openai_backend import Backend, llama_cpp_server

BACKEND_MODEL = "SmolLM2-135M-Instruct"


@pytest.fixture(scope="session")
def gguf() -> Path:
    pytest.importorskip("llama_cpp.server", reason="llama-cpp-python[server] is not installed")
    return smollm2_gguf()


@pytest.fixture(scope="session")
def backend(gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    with llama_cpp_server(gguf, tmp_path_factory.mktemp("backend"), BACKEND_MODEL) as running:
        yield running
