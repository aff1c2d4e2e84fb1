"""localfs reads only where the operator allowed: by default the state dir and `data/` beside it."""

import base64
import json
from pathlib import Path

import httpx

from tests.security.conftest import error

QA = "eval/question-answer"
ROWS = [{"question": "secret question", "answer": "secret answer"}]


def _register(http: httpx.Client, uri: str, dataset_id: str) -> httpx.Response:
    return http.post(
        "/v1beta/datasets", json={"purpose": QA, "source": {"type": "uri", "uri": uri}, "dataset_id": dataset_id}
    )


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_a_file_in_the_data_dir_beside_the_state_dir_is_read(http: httpx.Client, home: Path) -> None:
    path = _write(home / "data" / "qa.jsonl", json.dumps(ROWS[0]) + "\n")
    assert _register(http, str(path), "allowed").status_code == 200
    assert http.get("/v1beta/datasetio/iterrows/allowed").json()["data"] == ROWS


def test_files_elsewhere_are_refused_alike_and_nothing_of_them_is_told(http: httpx.Client, home: Path) -> None:
    """A readable file, one that cannot parse, one of the wrong shape and a missing one: the
    same 403, naming neither contents nor columns, so a client learns nothing of any."""
    outside = home / "outside"
    files = {
        "good": _write(outside / "good.jsonl", json.dumps(ROWS[0]) + "\n"),
        "broken": _write(outside / "broken.jsonl", '{"question": "secret question", \n'),
        "columns": _write(outside / "columns.csv", "secret_column,other_column\nsecret value,x\n"),
        "missing": outside / "missing.jsonl",
    }
    details = set()
    for name, path in files.items():
        for uri in (str(path), path.as_uri(), f"{home}/data/../outside/{path.name}"):
            detail = error(_register(http, uri, f"refused-{name}"), 403)
            named, _, told = detail.partition(": ")  # "cannot read <the client's own URI>: <why>"
            assert named.startswith("cannot read ") and told
            assert "secret" not in told and "column" not in told and "line" not in told
            details.add(told)
        error(http.get(f"/v1beta/datasets/refused-{name}"), 404)
    assert len(details) == 1, details


def test_a_symlink_out_of_an_allowed_dir_is_refused(http: httpx.Client, home: Path) -> None:
    target = _write(home / "outside" / "linked.jsonl", json.dumps(ROWS[0]) + "\n")
    link = home / "data" / "escape.jsonl"
    link.symlink_to(target)
    folder_link = home / "data" / "escape-dir"
    folder_link.symlink_to(home / "outside", target_is_directory=True)
    error(_register(http, str(link), "symlinked"), 403)
    error(_register(http, str(folder_link / "linked.jsonl"), "symlinked"), 403)


def test_remote_uris_are_off_by_default(http: httpx.Client) -> None:
    detail = error(_register(http, "http://127.0.0.1:9/qa.jsonl", "remote"), 400)
    assert "allow_remote_uris" in detail


def test_a_large_data_uri_is_stored_once_not_in_the_registry(http: httpx.Client) -> None:
    rows = [{"question": f"q{i} " + "x" * 200, "answer": f"a{i}"} for i in range(5000)]
    jsonl = "".join(json.dumps(row) + "\n" for row in rows).encode()
    uri = "data:application/jsonl;base64," + base64.b64encode(jsonl).decode()
    assert len(uri) > 1_000_000
    body = {"purpose": QA, "source": {"type": "uri", "uri": uri}, "dataset_id": "big"}
    registered = http.post("/v1beta/datasets", json=body)
    assert registered.status_code == 200 and len(registered.content) < 2000
    assert http.post("/v1beta/datasets", json=body).status_code == 200  # the same registration again: no conflict
    listed = http.get("/v1beta/datasets")
    assert listed.status_code == 200 and len(listed.content) < 50_000
    stored = next(d for d in listed.json()["data"] if d["identifier"] == "big")
    assert stored["source"]["uri"].startswith("data:application/jsonl;sha256=")
    page = http.get("/v1beta/datasetio/iterrows/big", params={"start_index": 4998}).json()
    assert page["data"] == rows[4998:]
