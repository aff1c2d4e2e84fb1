"""Errors answer with the Error body {status, title, detail, instance} and name what is wrong."""

from typing import Any

import httpx
import pytest
from openai import OpenAI

from tests.support.server import RunningServer
from tests.vector_io.conftest import LLM, wait_processed

MISSING_STORE = "vs_missing"


def _detail(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) <= {"status", "title", "detail", "instance"} and body["status"] == status
    assert body["instance"] == response.request.url.path
    return body["detail"]


def _call(server: RunningServer, method: str, path: str, body: Any = None) -> httpx.Response:
    return httpx.request(method, f"{server.base_url}{path}", json=body, timeout=60)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"/v1/vector_stores/{MISSING_STORE}", None),
        ("POST", f"/v1/vector_stores/{MISSING_STORE}", {"name": "x"}),
        ("DELETE", f"/v1/vector_stores/{MISSING_STORE}", None),
        ("POST", f"/v1/vector_stores/{MISSING_STORE}/search", {"query": "x"}),
        ("GET", f"/v1/vector_stores/{MISSING_STORE}/files", None),
        ("POST", "/v1/vector-io/query", {"vector_db_id": MISSING_STORE, "query": "x"}),
        ("POST", "/v1/vector-io/insert", {"vector_db_id": MISSING_STORE, "chunks": [{"content": "x"}]}),
    ],
)
def test_unknown_store_is_404_naming_it(server: RunningServer, method: str, path: str, body: Any) -> None:
    assert MISSING_STORE in _detail(_call(server, method, path, body), 404)


@pytest.fixture(scope="module")
def store_id(client: OpenAI) -> str:
    return client.vector_stores.create(name="errors").id


def test_unknown_or_unattached_file_is_404_naming_it(server: RunningServer, client: OpenAI, store_id: str) -> None:
    assert "file-nope" in _detail(
        _call(server, "POST", f"/v1/vector_stores/{store_id}/files", {"file_id": "file-nope"}), 404
    )
    loose = client.files.create(file=("loose.txt", b"unattached"), purpose="assistants")
    for method, suffix in (("GET", ""), ("DELETE", ""), ("GET", "/content")):
        detail = _detail(_call(server, method, f"/v1/vector_stores/{store_id}/files/{loose.id}{suffix}"), 404)
        assert loose.id in detail and store_id in detail
    missing_batch = _call(server, "GET", f"/v1/vector_stores/{store_id}/file_batches/vsfb_nope")
    assert "vsfb_nope" in _detail(missing_batch, 404)


def test_unsupported_file_type_is_400_naming_it(server: RunningServer, client: OpenAI, store_id: str) -> None:
    image = client.files.create(file=("photo.png", b"\x89PNG\r\n"), purpose="assistants")
    detail = _detail(_call(server, "POST", f"/v1/vector_stores/{store_id}/files", {"file_id": image.id}), 400)
    assert "'.png'" in detail and "photo.png" in detail and ".pdf" in detail
    detail = _detail(_call(server, "POST", "/v1/vector_stores", {"file_ids": [image.id]}), 400)
    assert "'.png'" in detail


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"embedding_model": LLM}, "not an embedding model"),
        ({"embedding_model": "nope"}, "'nope' is not a registered model"),
        ({"embedding_dimension": 768}, "768"),
        ({"provider_id": "elsewhere"}, "'elsewhere'"),
        (
            {
                "chunking_strategy": {
                    "type": "static",
                    "static": {"max_chunk_size_tokens": 100, "chunk_overlap_tokens": 60},
                }
            },
            "half",
        ),
    ],
    ids=["llm", "unknown-model", "dimension", "provider", "overlap"],
)
def test_bad_create_is_400(server: RunningServer, body: dict[str, Any], expected: str) -> None:
    assert expected in _detail(_call(server, "POST", "/v1/vector_stores", body), 400)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"query": "x", "filters": {"type": "like", "key": "a", "value": 1}}, "filters"),
        ({"query": "x", "ranking_options": {"ranker": "magic"}}, "'magic'"),
        ({"query": "x", "search_mode": "fuzzy"}, "search_mode"),
        ({"query": "   "}, "query"),
    ],
    ids=["filter", "ranker", "mode", "blank"],
)
def test_bad_search_is_400(server: RunningServer, store_id: str, body: dict[str, Any], expected: str) -> None:
    assert expected in _detail(_call(server, "POST", f"/v1/vector_stores/{store_id}/search", body), 400)


def test_embedding_of_the_wrong_size_is_400(server: RunningServer, store_id: str) -> None:
    body = {"vector_db_id": store_id, "chunks": [{"content": "x", "metadata": {}, "embedding": [0.1, 0.2]}]}
    detail = _detail(_call(server, "POST", "/v1/vector-io/insert", body), 400)
    assert "chunks[0].embedding has 2 dimensions" in detail and "384" in detail


def test_unreadable_file_fails_with_last_error(client: OpenAI, store_id: str) -> None:
    broken = client.files.create(file=("broken.json", b"{not json"), purpose="assistants")
    client.vector_stores.files.create(store_id, file_id=broken.id)
    wait_processed(client, store_id)
    attached = client.vector_stores.files.retrieve(broken.id, vector_store_id=store_id)
    assert attached.status == "failed" and attached.last_error is not None
    assert "not valid JSON" in attached.last_error.message
    assert client.vector_stores.retrieve(store_id).file_counts.failed == 1


def test_deleted_store_is_gone(server: RunningServer, client: OpenAI) -> None:
    vector_store = client.vector_stores.create(name="short-lived")
    client.vector_stores.delete(vector_store.id)
    assert vector_store.id in _detail(_call(server, "GET", f"/v1/vector_stores/{vector_store.id}"), 404)
