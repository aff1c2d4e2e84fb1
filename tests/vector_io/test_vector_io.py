"""Chunk-level vector-io through llama-stack-client: insert with and without embeddings, query by mode."""

import pytest
from llama_stack_client import LlamaStackClient
from openai import OpenAI

from tests.vector_io.conftest import EMBEDDING_MODEL

CHUNKS = [
    {"content": "The quarnix valve regulates steam pressure.", "metadata": {"document_id": "manual", "page": 3}},
    {"content": "Penguins huddle together to stay warm.", "metadata": {"topic": "birds"}},  # no document_id
    {
        "content": [{"type": "text", "text": "Saturn has a striking ring system."}],
        "metadata": {"document_id": "astronomy"},
        "chunk_metadata": {"chunk_id": "saturn-1", "source": "astronomy.md"},
    },
]


@pytest.fixture(scope="module")
def store_id(llama_client: LlamaStackClient) -> str:
    vector_store = llama_client.vector_stores.create(name="chunks", extra_body={"embedding_model": EMBEDDING_MODEL})
    assert vector_store.id.startswith("vs_")
    assert llama_client.vector_io.insert(vector_db_id=vector_store.id, chunks=CHUNKS) is None
    return vector_store.id


def test_query_without_precomputed_embeddings(llama_client: LlamaStackClient, store_id: str) -> None:
    response = llama_client.vector_io.query(
        vector_db_id=store_id, query="how is steam pressure controlled?", params={"score_threshold": -1.0}
    )
    assert len(response.chunks) == len(response.scores) == 3  # max_chunks defaults to 3
    top = response.chunks[0]
    assert top.content == CHUNKS[0]["content"] and top.metadata == CHUNKS[0]["metadata"]
    assert response.scores == sorted(response.scores, reverse=True)


@pytest.mark.parametrize(
    "params",
    [
        {"mode": "keyword"},
        {"mode": "hybrid"},
        {"mode": "hybrid", "ranker": {"type": "rrf", "impact_factor": 10}},
        {"mode": "hybrid", "ranker": {"type": "weighted", "alpha": 0.3}},
    ],
    ids=["keyword", "hybrid", "rrf", "weighted"],
)
def test_query_modes_and_rankers(llama_client: LlamaStackClient, store_id: str, params: dict[str, object]) -> None:
    response = llama_client.vector_io.query(
        vector_db_id=store_id, query="Saturn ring", params={**params, "max_chunks": 1}
    )
    assert len(response.chunks) == 1
    chunk = response.chunks[0]
    assert [item.text for item in chunk.content] == ["Saturn has a striking ring system."]  # type: ignore[union-attr]
    assert chunk.stored_chunk_id == "saturn-1" and chunk.chunk_metadata is not None
    assert chunk.chunk_metadata.source == "astronomy.md"


def test_score_threshold(llama_client: LlamaStackClient, store_id: str) -> None:
    response = llama_client.vector_io.query(
        vector_db_id=store_id, query="penguins keeping warm", params={"score_threshold": 0.5}
    )
    assert [chunk.content for chunk in response.chunks] == [CHUNKS[1]["content"]]


def test_insert_with_precomputed_embeddings(llama_client: LlamaStackClient, client: OpenAI) -> None:
    vector_store = llama_client.vector_stores.create(name="precomputed")
    texts = ["A recipe for lemon cake.", "Train timetables for the coast line."]
    vectors = [e.embedding for e in client.embeddings.create(model=EMBEDDING_MODEL, input=texts).data]
    llama_client.vector_io.insert(
        vector_db_id=vector_store.id,
        chunks=[
            {"content": text, "metadata": {"document_id": f"d{i}"}, "embedding": vector}
            for i, (text, vector) in enumerate(zip(texts, vectors, strict=True))
        ],
    )
    response = llama_client.vector_io.query(
        vector_db_id=vector_store.id, query="baking a cake", params={"score_threshold": -1.0}
    )
    assert response.chunks[0].content == texts[0]
    assert response.scores[0] > response.scores[1]


def test_same_chunk_id_replaces(llama_client: LlamaStackClient) -> None:
    vector_store = llama_client.vector_stores.create(name="upsert")
    for text in ("first version about owls", "second version about owls"):
        llama_client.vector_io.insert(
            vector_db_id=vector_store.id, chunks=[{"content": text, "metadata": {}, "stored_chunk_id": "owl"}]
        )
    response = llama_client.vector_io.query(vector_db_id=vector_store.id, query="owls")
    assert [chunk.content for chunk in response.chunks] == ["second version about owls"]


def test_vector_store_search_sees_inserted_chunks(client: OpenAI, store_id: str) -> None:
    hits = client.vector_stores.search(store_id, query="quarnix", extra_body={"search_mode": "keyword"}).data
    assert hits[0].file_id == "manual" and "quarnix" in hits[0].content[0].text
    assert hits[0].attributes == {"document_id": "manual", "page": 3}
