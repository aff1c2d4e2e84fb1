"""The openai client against the real server: upload, list, retrieve, content, delete."""

import json
import re

import httpx
import pytest
from openai import NotFoundError, OpenAI

from tests.support.server import RunningServer


def test_upload_retrieve_content_delete(client: OpenAI) -> None:
    data = bytes(range(256)) * 1000
    expires = {"anchor": "created_at", "seconds": 3600}
    uploaded = client.files.create(file=("notes.bin", data), purpose="assistants", expires_after=expires)
    assert re.fullmatch(r"file-[0-9a-f]{32}", uploaded.id)
    assert (uploaded.object, uploaded.bytes, uploaded.filename, uploaded.purpose) == (
        "file",
        len(data),
        "notes.bin",
        "assistants",
    )
    assert uploaded.expires_at == uploaded.created_at + 3600
    assert client.files.retrieve(uploaded.id) == uploaded

    content = client.files.content(uploaded.id)
    assert content.content == data
    assert content.response.headers["content-type"] == "application/octet-stream"
    assert content.response.headers["content-disposition"] == 'attachment; filename="notes.bin"'

    deleted = client.files.delete(uploaded.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (uploaded.id, "file", True)
    with pytest.raises(NotFoundError):
        client.files.retrieve(uploaded.id)
    with pytest.raises(NotFoundError):
        client.files.content(uploaded.id)
    with pytest.raises(NotFoundError):
        client.files.delete(uploaded.id)


def test_list_pages_in_creation_order_by_purpose(client: OpenAI) -> None:
    ids = [client.files.create(file=(f"{i}.jsonl", b"{}\n"), purpose="user_data").id for i in range(5)]
    client.files.create(file=("other.jsonl", b"{}\n"), purpose="evals")

    newest_first = client.files.list(purpose="user_data")
    assert [f.id for f in newest_first.data] == ids[::-1] and not newest_first.has_more

    first = client.files.list(purpose="user_data", order="asc", limit=2)
    assert [f.id for f in first.data] == ids[:2] and first.has_more
    second = client.files.list(purpose="user_data", order="asc", limit=2, after=ids[1])
    assert [f.id for f in second.data] == ids[2:4] and second.has_more
    # the client follows `after` from page to page by itself
    assert [f.id for f in client.files.list(purpose="user_data", order="asc", limit=2)] == ids
    assert [f.id for f in client.files.list(purpose="user_data", limit=2)] == ids[::-1]


def test_list_body_has_cursor_fields(server: RunningServer, client: OpenAI) -> None:
    ids = [client.files.create(file=("v.png", b"\x89PNG"), purpose="vision").id for _ in range(3)]
    body = httpx.get(f"{server.base_url}/v1/files", params={"purpose": "vision", "order": "asc", "limit": 2}).json()
    assert body["object"] == "list" and body["has_more"] is True
    assert (body["first_id"], body["last_id"]) == (ids[0], ids[1])
    # a cursor whose file is gone still places the page
    client.files.delete(ids[1])
    for order, expected in (("asc", ids[2]), ("desc", ids[0])):
        params = {"purpose": "vision", "after": ids[1], "order": order}
        body = httpx.get(f"{server.base_url}/v1/files", params=params).json()
        assert [f["id"] for f in body["data"]] == [expected] and body["first_id"] == body["last_id"] == expected
    empty = httpx.get(f"{server.base_url}/v1/files", params={"purpose": "vision", "after": ids[0]}).json()
    assert empty["data"] == [] and empty["first_id"] is None and empty["last_id"] is None and not empty["has_more"]


@pytest.mark.parametrize(
    "form",
    [
        {"expires_after[anchor]": "created_at", "expires_after[seconds]": "7200"},
        {"expires_after": json.dumps({"anchor": "created_at", "seconds": 7200})},
    ],
    ids=["bracketed", "json"],
)
def test_expires_after_as_bracketed_fields_or_json(server: RunningServer, form: dict[str, str]) -> None:
    response = httpx.post(
        f"{server.base_url}/v1/files", data={"purpose": "batch", **form}, files={"file": ("b.jsonl", b"{}\n")}
    )
    assert response.status_code == 200, response.text
    file = response.json()
    assert file["expires_at"] == file["created_at"] + 7200


def test_file_without_expiry_never_expires(client: OpenAI) -> None:
    assert client.files.create(file=("forever.txt", b"x"), purpose="fine-tune").expires_at is None


def test_non_ascii_filename_comes_back_encoded(client: OpenAI) -> None:
    uploaded = client.files.create(file=("résumé 1.txt", b"cv"), purpose="assistants")
    assert uploaded.filename == "résumé 1.txt"
    disposition = client.files.content(uploaded.id).response.headers["content-disposition"]
    assert disposition == "attachment; filename*=utf-8''r%C3%A9sum%C3%A9%201.txt"
