"""Every error path answers with the seed's Error body and a status that says whose fault it is."""

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from llama_stack_client import BadRequestError, ConflictError, LlamaStackClient, NotFoundError

from plugstack.net.fetch import FetchRefusedError
from tests.datasets.conftest import QA_ROWS
from tests.support.server import RunningServer

QA = "eval/question-answer"


def _error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) <= {"status", "title", "detail", "instance"} and body["status"] == status
    return body["detail"]


def _register(server: RunningServer, **body: object) -> httpx.Response:
    return httpx.post(f"{server.base_url}/v1beta/datasets", json=body, timeout=60)


def test_bad_purpose_is_400(server: RunningServer) -> None:
    detail = _error(_register(server, purpose="eval/nonsense", source={"type": "rows", "rows": QA_ROWS}), 400)
    assert "purpose" in detail and "eval/question-answer" in detail


def test_unknown_source_type_is_400(server: RunningServer) -> None:
    assert "source" in _error(_register(server, purpose=QA, source={"type": "ftp", "path": "x"}), 400)


@pytest.mark.parametrize(
    ("purpose", "rows", "column", "row"),
    [
        (QA, [{"question": "q", "answer": "a"}, {"question": "q2"}], "answer", 1),
        (QA, [{"question": "q", "answer": None}], "answer", 0),
        ("eval/messages-answer", [{"answer": "a"}], "messages", 0),
        ("post-training/messages", [{"text": "hi"}], "messages", 0),
        ("post-training/instruct", [{"input": "2+2", "output": "4"}, {"input": "3+3"}], "output", 1),
        ("post-training/preferences", [{"prompt": "p", "chosen": "good"}], "rejected", 0),
    ],
)
def test_missing_column_in_rows_names_column_and_row(
    client: LlamaStackClient, purpose: str, rows: list[dict[str, object]], column: str, row: int
) -> None:
    with pytest.raises(BadRequestError) as caught:
        client.datasets.register(purpose=purpose, source={"type": "rows", "rows": rows}, dataset_id="bad-rows")
    detail = caught.value.body["detail"]
    assert f"row {row} " in detail and repr(column) in detail
    with pytest.raises(NotFoundError):
        client.datasets.retrieve("bad-rows")


def test_missing_column_in_files(client: LlamaStackClient, tmp_path: Path) -> None:
    jsonl = tmp_path / "gap.jsonl"
    jsonl.write_text('{"question": "q0", "answer": "a0"}\n\n{"question": "q1"}\n')
    with pytest.raises(BadRequestError) as caught:
        client.datasets.register(purpose=QA, source={"type": "uri", "uri": str(jsonl)}, dataset_id="gap")
    assert "row 1 " in caught.value.body["detail"] and "'answer'" in caught.value.body["detail"]

    csv = tmp_path / "gap.csv"
    csv.write_text("question,reply\nq0,a0\n")
    with pytest.raises(BadRequestError) as caught:
        client.datasets.register(purpose=QA, source={"type": "uri", "uri": str(csv)}, dataset_id="gap")
    assert "'answer'" in caught.value.body["detail"] and "question, reply" in caught.value.body["detail"]


def test_append_checks_the_purpose_and_stores_nothing_on_error(client: LlamaStackClient) -> None:
    client.datasets.register(purpose=QA, source={"type": "rows", "rows": QA_ROWS[:2]}, dataset_id="append-check")
    with pytest.raises(BadRequestError) as caught:
        client.datasets.appendrows("append-check", rows=[{"question": "ok", "answer": "ok"}, {"question": "no"}])
    assert "row 1 of the appended rows" in caught.value.body["detail"]
    assert client.datasets.iterrows("append-check").data == QA_ROWS[:2]


@pytest.mark.parametrize(
    ("uri", "words"),
    [
        ("/no/such/file.jsonl", "may read"),
        ("file:///no/such/file.parquet", "may read"),
        ("data:csv;base64,@@@not-base64@@@", "base64"),
        ("data:image/png;base64,AAAA", "media type"),
        ("ftp://example.org/data.jsonl", "accept"),
    ],
)
def test_unreadable_uri_is_4xx(server: RunningServer, uri: str, words: str) -> None:
    response = _register(server, purpose=QA, source={"type": "uri", "uri": uri}, dataset_id="unreadable")
    detail = _error(response, 403 if "may read" in words else 400)
    assert words in detail
    _error(httpx.get(f"{server.base_url}/v1beta/datasets/unreadable"), 404)


def test_invalid_file_contents_are_400(server: RunningServer, tmp_path: Path) -> None:
    unknown = tmp_path / "data.xlsx"
    unknown.write_text("x")
    assert "cannot tell the format" in _error(
        _register(server, purpose=QA, source={"type": "uri", "uri": str(unknown)}), 400
    )
    missing = tmp_path / "missing.jsonl"
    assert "not a file" in _error(_register(server, purpose=QA, source={"type": "uri", "uri": str(missing)}), 400)
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"question": "q", "answer": "a"}\n{"question": \n')
    assert "line 2" in _error(_register(server, purpose=QA, source={"type": "uri", "uri": str(broken)}), 400)
    fake = tmp_path / "fake.parquet"
    fake.write_text("not parquet")
    assert "parquet" in _error(_register(server, purpose=QA, source={"type": "uri", "uri": str(fake)}), 400)
    not_array = tmp_path / "object.json"
    not_array.write_text(json.dumps({"question": "q", "answer": "a"}))
    assert "array" in _error(_register(server, purpose=QA, source={"type": "uri", "uri": str(not_array)}), 400)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1beta/datasets/nope"),
        ("DELETE", "/v1beta/datasets/nope"),
        ("GET", "/v1beta/datasetio/iterrows/nope"),
        ("POST", "/v1beta/datasetio/append-rows/nope"),
    ],
)
def test_unknown_dataset_is_404(server: RunningServer, method: str, path: str) -> None:
    body = {"rows": [{"question": "q", "answer": "a"}]} if method == "POST" else None
    detail = _error(httpx.request(method, server.base_url + path, json=body), 404)
    assert "'nope'" in detail


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("start_index=-1", "start_index"),
        ("limit=0", "limit"),
        ("limit=-2", "limit"),
        ("start_index=abc", "start_index"),
        ("start_index=26", "past the end"),
    ],
)
def test_bad_start_index_or_limit_is_400(
    client: LlamaStackClient, server: RunningServer, query: str, words: str
) -> None:
    client.datasets.register(purpose=QA, source={"type": "rows", "rows": QA_ROWS}, dataset_id="paging")
    assert words in _error(httpx.get(f"{server.base_url}/v1beta/datasetio/iterrows/paging?{query}"), 400)


def test_limit_minus_one_means_all(client: LlamaStackClient) -> None:
    client.datasets.register(purpose=QA, source={"type": "rows", "rows": QA_ROWS}, dataset_id="paging")
    page = client.datasets.iterrows("paging", start_index=5, limit=-1)
    assert page.data == QA_ROWS[5:] and page.has_more is False


def test_duplicate_id_with_another_source_is_409(client: LlamaStackClient) -> None:
    client.datasets.register(purpose=QA, source={"type": "rows", "rows": QA_ROWS[:1]}, dataset_id="dup")
    with pytest.raises(ConflictError):
        client.datasets.register(purpose=QA, source={"type": "rows", "rows": QA_ROWS[:2]}, dataset_id="dup")
    assert client.datasets.iterrows("dup").data == QA_ROWS[:1]


def test_unknown_provider_id_is_400(server: RunningServer) -> None:
    response = _register(server, purpose=QA, source={"type": "rows", "rows": QA_ROWS}, provider_id="elsewhere")
    assert "localfs" in _error(response, 400)


def test_provider_refuses_a_scheme_its_config_does_not_list(server: RunningServer) -> None:
    source = {"type": "uri", "uri": "huggingface://datasets/acme/qa?split=train"}
    response = _register(server, purpose=QA, source=source, provider_id="localfs")
    assert "does not read 'huggingface'" in _error(response, 400)


def test_unreachable_hub_is_502_naming_the_dataset(server: RunningServer) -> None:
    source = {"type": "uri", "uri": "huggingface://datasets/acme/not-cached?split=train"}
    detail = _error(_register(server, purpose=QA, source=source), 502)
    assert "Hugging Face Hub" in detail and "acme/not-cached" in detail


class _Files(BaseHTTPRequestHandler):
    """/qa.jsonl is served; anything else is a 404."""

    body = b""

    def do_GET(self) -> None:
        found = self.path == "/qa.jsonl"
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "application/jsonl")
        self.end_headers()
        self.wfile.write(self.body if found else b"")

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: test output stays readable."""


@pytest.fixture
def http_files() -> Iterator[str]:
    _Files.body = "".join(json.dumps(row) + "\n" for row in QA_ROWS).encode()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_http_download_and_http_errors(client: LlamaStackClient, server: RunningServer, http_files: str) -> None:
    client.datasets.register(purpose=QA, source={"type": "uri", "uri": f"{http_files}/qa.jsonl"}, dataset_id="web")
    assert client.datasets.iterrows("web", start_index=20).data == QA_ROWS[20:]
    for uri in (f"{http_files}/gone.jsonl", "http://127.0.0.1:9/qa.jsonl"):  # a missing path reads as a closed port
        assert (
            _error(_register(server, purpose=QA, source={"type": "uri", "uri": uri}), 400)
            == FetchRefusedError(uri).detail
        )


def test_data_uri_formats(client: LlamaStackClient) -> None:
    jsonl = "".join(json.dumps(row) + "\n" for row in QA_ROWS[:3]).encode()
    uris = {
        "d-jsonl": "data:application/jsonl;base64," + base64.b64encode(jsonl).decode(),
        "d-json": "data:application/json;base64," + base64.b64encode(json.dumps(QA_ROWS[:3]).encode()).decode(),
        "d-plain": "data:text/csv,question%2Canswer%0Aq%2Ca%0A",
    }
    for dataset_id, uri in uris.items():
        client.datasets.register(purpose=QA, source={"type": "uri", "uri": uri}, dataset_id=dataset_id)
    assert client.datasets.iterrows("d-jsonl").data == QA_ROWS[:3]
    assert client.datasets.iterrows("d-json").data == QA_ROWS[:3]
    assert client.datasets.iterrows("d-plain").data == [{"question": "q", "answer": "a"}]
