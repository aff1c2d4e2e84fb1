"""Where engines could disagree on filters: keys a chunk lacks, single-item compounds, booleans,
attributes removed by an update. Each case runs on every engine (see conftest)."""

from typing import Any

import pytest
from llama_stack_client import LlamaStackClient
from openai import OpenAI

from tests.vector_io.conftest import wait_processed

CHUNKS = [
    {"content": "A red kite circles the valley.", "metadata": {"name": "kite", "colour": "red", "size": 3}},
    {"content": "A blue kite rests in the shed.", "metadata": {"name": "shed", "colour": "blue", "flag": True}},
    {"content": "A kite without a colour.", "metadata": {"name": "plain", "size": 1}},
]


@pytest.fixture(scope="module")
def store_id(llama_client: LlamaStackClient) -> str:
    vector_store = llama_client.vector_stores.create(name="filters")
    llama_client.vector_io.insert(vector_db_id=vector_store.id, chunks=CHUNKS)
    return vector_store.id


def _names(client: OpenAI, store_id: str, filters: dict[str, Any], mode: str) -> list[str]:
    hits = client.vector_stores.search(
        store_id, query="kite", filters=filters, max_num_results=10, extra_body={"search_mode": mode}
    ).data
    return sorted(str((hit.attributes or {})["name"]) for hit in hits)


@pytest.mark.parametrize("mode", ["vector", "keyword", "hybrid"])
@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"type": "ne", "key": "colour", "value": "red"}, ["shed"]),  # "plain" lacks the key
        ({"type": "gt", "key": "size", "value": 2}, ["kite"]),
        ({"type": "lte", "key": "size", "value": 3.0}, ["kite", "plain"]),
        ({"type": "eq", "key": "flag", "value": True}, ["shed"]),
        ({"type": "and", "filters": [{"type": "eq", "key": "colour", "value": "blue"}]}, ["shed"]),
        (
            {
                "type": "or",
                "filters": [{"type": "eq", "key": "colour", "value": "red"}, {"type": "lt", "key": "size", "value": 2}],
            },
            ["kite", "plain"],
        ),
    ],
    ids=["ne-missing-key", "gt", "lte-float", "bool", "single-and", "or"],
)
def test_filters_match_the_same_chunks(
    client: OpenAI, store_id: str, filters: dict[str, Any], expected: list[str], mode: str
) -> None:
    assert _names(client, store_id, filters, mode) == expected


def test_an_attribute_removed_by_update_no_longer_matches(client: OpenAI) -> None:
    file = client.files.create(file=("gear.txt", b"A kite string on a spool."), purpose="assistants")
    vector_store = client.vector_stores.create(name="attributes")
    client.vector_stores.files.create(vector_store.id, file_id=file.id, attributes={"name": "gear", "grade": 2})
    wait_processed(client, vector_store.id)
    client.vector_stores.files.update(file.id, vector_store_id=vector_store.id, attributes={"name": "gear"})
    for mode in ("vector", "keyword"):
        assert _names(client, vector_store.id, {"type": "eq", "key": "name", "value": "gear"}, mode) == ["gear"]
        assert not _names(client, vector_store.id, {"type": "eq", "key": "grade", "value": 2}, mode)
        assert not _names(client, vector_store.id, {"type": "ne", "key": "grade", "value": 5}, mode)
    client.vector_stores.delete(vector_store.id)
