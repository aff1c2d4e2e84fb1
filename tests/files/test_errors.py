"""Every error path answers with the Error body {status, title, detail, instance}."""

from pathlib import Path
from typing import Any

import httpx
import pytest
from openai import APIStatusError, NotFoundError, OpenAI

from tests.files.conftest import MAX_FILE_BYTES, content_dir
from tests.support.server import RunningServer


def _detail(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) <= {"status", "title", "detail", "instance"} and body["status"] == status
    assert body["instance"] == response.request.url.path
    return body["detail"]


def _upload(server: RunningServer, **kwargs: Any) -> httpx.Response:
    return httpx.post(f"{server.base_url}/v1/files", timeout=60, **kwargs)


def test_missing_file_field_is_400(server: RunningServer) -> None:
    assert "file" in _detail(_upload(server, data={"purpose": "batch"}), 400)


def test_bad_purpose_is_400_listing_the_purposes(server: RunningServer) -> None:
    detail = _detail(_upload(server, data={"purpose": "memes"}, files={"file": ("a.txt", b"a")}), 400)
    assert "purpose" in detail and "assistants" in detail


@pytest.mark.parametrize(
    "form",
    [
        {"expires_after[anchor]": "created_at", "expires_after[seconds]": "60"},
        {"expires_after[anchor]": "last_active_at", "expires_after[seconds]": "3600"},
        {"expires_after[seconds]": "3600"},
        {"expires_after": "{not json"},
    ],
    ids=["too-short", "bad-anchor", "no-anchor", "bad-json"],
)
def test_bad_expires_after_is_400(server: RunningServer, form: dict[str, str]) -> None:
    response = _upload(server, data={"purpose": "batch", **form}, files={"file": ("a.txt", b"a")})
    assert "expires_after" in _detail(response, 400)


def test_oversized_upload_is_413_and_leaves_nothing(server: RunningServer, client: OpenAI, state_dir: Path) -> None:
    before = client.files.list().data
    with pytest.raises(APIStatusError) as caught:
        client.files.create(file=("big.bin", b"x" * (MAX_FILE_BYTES + 1)), purpose="batch")
    assert caught.value.status_code == 413
    body = caught.value.response.json()
    assert body["title"] == "Payload Too Large" and str(MAX_FILE_BYTES) in body["detail"]
    assert client.files.list().data == before
    assert sorted(p.name for p in content_dir(state_dir).iterdir()) == sorted(f.id for f in before)
    assert client.files.create(file=("fits.bin", b"x" * MAX_FILE_BYTES), purpose="batch").bytes == MAX_FILE_BYTES


@pytest.mark.parametrize(("method", "suffix"), [("GET", ""), ("GET", "/content"), ("DELETE", "")])
def test_unknown_file_is_404_naming_it(server: RunningServer, method: str, suffix: str) -> None:
    response = httpx.request(method, f"{server.base_url}/v1/files/file-nope{suffix}")
    assert "'file-nope'" in _detail(response, 404)


def test_openai_client_raises_not_found(client: OpenAI) -> None:
    with pytest.raises(NotFoundError):
        client.files.retrieve("file-0123")


def test_bad_list_limit_is_400(server: RunningServer) -> None:
    response = httpx.get(f"{server.base_url}/v1/files", params={"limit": 0})
    assert "limit" in _detail(response, 400)
