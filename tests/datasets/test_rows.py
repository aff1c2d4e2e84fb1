"""The row stores underneath `inline::localfs`: offset index, append log, Arrow values."""

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest

from plugstack.errors import BadRequestError
from plugstack_localfs import rows as rows_module
from plugstack_localfs.rows import JsonlRows, json_values
from plugstack_localfs.sources import local_path, scheme_of

QA = "eval/question-answer"


def _write(path: Path, count: int, start: int = 0) -> list[dict[str, object]]:
    rows = [{"question": f"q{i}", "answer": i, "nested": {"list": [i, str(i)]}} for i in range(start, start + count)]
    with path.open("a") as f:
        f.writelines(json.dumps(row) + "\n" for row in rows)
    return rows


def test_pages_anywhere_in_a_large_file(tmp_path: Path) -> None:
    expected = _write(tmp_path / "big.jsonl", 200_000)
    store = JsonlRows.open(tmp_path / "big.jsonl", tmp_path / "big.idx", QA, "big")
    assert len(store) == 200_000
    assert store.read(0, 3) == expected[:3]
    assert store.read(123_456, 123_556) == expected[123_456:123_556]
    assert store.read(199_999, 200_000) == expected[-1:]
    assert store.read(5, 5) == []


def test_the_index_is_built_once_and_reused_until_the_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, index = tmp_path / "qa.jsonl", tmp_path / "qa.idx"
    expected = _write(path, 1000)
    JsonlRows.open(path, index, QA, "qa")
    assert index.is_file()

    def no_scan(*args: object) -> None:
        raise AssertionError("the file was scanned again although its index is current")

    with monkeypatch.context() as patch:
        patch.setattr(rows_module, "_scan", no_scan)
        reopened = JsonlRows.open(path, index, QA, "qa")
        assert reopened.read(990, 1000) == expected[990:]

    expected += _write(path, 5, start=1000)  # the user edits the file: it is indexed again, even mid-run
    assert len(reopened.read(0, 1000)) == 1000 and len(reopened) == 1005
    assert reopened.read(1000, 1005) == expected[1000:]
    assert len(JsonlRows.open(path, index, QA, "qa")) == 1005


def test_blank_lines_do_not_count_as_rows(tmp_path: Path) -> None:
    path = tmp_path / "gaps.jsonl"
    path.write_text('\n{"question": "a", "answer": 1}\n\n  \n{"question": "b", "answer": 2}\n\n')
    store = JsonlRows.open(path, tmp_path / "gaps.idx", QA, "gaps")
    assert len(store) == 2
    assert store.read(1, 2) == [{"question": "b", "answer": 2}]


def test_a_row_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.jsonl"
    path.write_text('{"question": "a", "answer": 1}\n["question", "answer"]\n')
    with pytest.raises(BadRequestError, match=r"row 1 \(line 2\).*not a JSON object"):
        JsonlRows.open(path, tmp_path / "list.idx", QA, "list")


def test_append_log_survives_reopening_and_drops_a_torn_last_line(tmp_path: Path) -> None:
    log = JsonlRows.open_log(tmp_path / "appended.jsonl")
    assert len(log) == 0 and log.read(0, 0) == []
    log.append([{"a": 1}, {"a": "two"}])
    log.append([{"a": [3]}])
    with (tmp_path / "appended.jsonl").open("ab") as f:
        f.write(b'{"a": 4, "torn')  # a crash mid-append: never acknowledged
    reopened = JsonlRows.open_log(tmp_path / "appended.jsonl")
    assert reopened.read(0, len(reopened)) == [{"a": 1}, {"a": "two"}, {"a": [3]}]
    reopened.append([{"a": 5}])
    assert JsonlRows.open_log(tmp_path / "appended.jsonl").read(2, 4) == [{"a": [3]}, {"a": 5}]


def test_arrow_values_become_json() -> None:
    value = {
        "when": datetime.datetime(2025, 1, 2, 3, 4, 5),
        "day": datetime.date(2025, 1, 2),
        "blob": b"\x00\xff",
        "price": Decimal("1.10"),
        "took": datetime.timedelta(seconds=1.5),
        "pairs": [("k", 1)],
    }
    assert json_values(value) == {
        "when": "2025-01-02T03:04:05",
        "day": "2025-01-02",
        "blob": "AP8=",
        "price": "1.10",
        "took": 1.5,
        "pairs": [["k", 1]],
    }


@pytest.mark.parametrize(
    ("uri", "scheme"),
    [
        ("/data/x.jsonl", "file"),
        ("rel/x.csv", "file"),
        ("file:///x.jsonl", "file"),
        ("data:csv;base64,AA", "data"),
        ("HTTPS://host/x.csv", "https"),
        ("huggingface://datasets/a/b", "huggingface"),
        ("hf://a/b", "hf"),
    ],
)
def test_scheme_of(uri: str, scheme: str) -> None:
    assert scheme_of(uri) == scheme


def test_file_uris_are_decoded() -> None:
    assert local_path("file:///tmp/my%20data/qa.jsonl") == Path("/tmp/my data/qa.jsonl")
    assert local_path("/tmp/qa.jsonl") == Path("/tmp/qa.jsonl")
