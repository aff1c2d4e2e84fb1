"""llama-stack-client 0.3.5 against the real server: every source kind through the whole life cycle."""

import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from llama_stack_client import LlamaStackClient, NotFoundError

from tests.datasets.conftest import QA_ROWS


def _data_uri(data_dir: Path) -> str:
    return "data:csv;base64," + base64.b64encode((data_dir / "qa.csv").read_bytes()).decode()


SOURCES: dict[str, Callable[[Path], dict[str, str | list[dict[str, str]]]]] = {
    "rows": lambda data_dir: {"type": "rows", "rows": QA_ROWS},
    "data-csv": lambda data_dir: {"type": "uri", "uri": _data_uri(data_dir)},
    "jsonl-path": lambda data_dir: {"type": "uri", "uri": str(data_dir / "qa.jsonl")},
    "jsonl-file-uri": lambda data_dir: {"type": "uri", "uri": (data_dir / "qa.jsonl").as_uri()},
    "json": lambda data_dir: {"type": "uri", "uri": str(data_dir / "qa.json")},
    "parquet": lambda data_dir: {"type": "uri", "uri": (data_dir / "qa.parquet").as_uri()},
}


def _all_rows(client: LlamaStackClient, dataset_id: str, page: int) -> list[dict[str, object]]:
    """Every row, page by page, checking has_more on the way."""
    rows: list[dict[str, object]] = []
    while True:
        result = client.datasets.iterrows(dataset_id, start_index=len(rows), limit=page)
        rows += result.data
        assert len(result.data) <= page
        if not result.has_more:
            return rows
        assert len(result.data) == page


@pytest.mark.parametrize("kind", sorted(SOURCES))
def test_register_list_retrieve_iterate_append_unregister(client: LlamaStackClient, data_dir: Path, kind: str) -> None:
    source = SOURCES[kind](data_dir)
    dataset_id = f"qa-{kind}"
    registered = client.datasets.register(
        purpose="eval/question-answer", source=source, dataset_id=dataset_id, metadata={"kind": kind}
    )
    assert registered.identifier == dataset_id
    assert registered.provider_id == "localfs"  # chosen by URI scheme: no provider_id was given
    assert registered.type == "dataset"
    assert registered.source.type == source["type"]
    assert registered.metadata == {"kind": kind}

    assert dataset_id in [d.identifier for d in client.datasets.list()]
    assert client.datasets.retrieve(dataset_id).purpose == "eval/question-answer"

    assert _all_rows(client, dataset_id, page=7) == QA_ROWS
    whole = client.datasets.iterrows(dataset_id)
    assert whole.data == QA_ROWS and whole.has_more is False
    middle = client.datasets.iterrows(dataset_id, start_index=10, limit=3)
    assert middle.data == QA_ROWS[10:13] and middle.has_more is True
    assert client.datasets.iterrows(dataset_id, start_index=len(QA_ROWS)).data == []

    extra = [{"question": "And 100 + 100?", "answer": "200 exactly"}, {"question": "Last?", "answer": "yes"}]
    client.datasets.appendrows(dataset_id, rows=extra[:1])
    client.datasets.appendrows(dataset_id, rows=extra[1:])
    assert _all_rows(client, dataset_id, page=10) == QA_ROWS + extra
    across = client.datasets.iterrows(dataset_id, start_index=len(QA_ROWS) - 1, limit=2)
    assert across.data == [QA_ROWS[-1], extra[0]] and across.has_more is True

    client.datasets.unregister(dataset_id)
    assert dataset_id not in [d.identifier for d in client.datasets.list()]
    with pytest.raises(NotFoundError):
        client.datasets.iterrows(dataset_id)


def test_reregistering_an_unregistered_id_starts_without_its_old_rows(client: LlamaStackClient, data_dir: Path) -> None:
    source = {"type": "uri", "uri": str(data_dir / "qa.jsonl")}
    client.datasets.register(purpose="eval/question-answer", source=source, dataset_id="qa-again")
    client.datasets.appendrows("qa-again", rows=[{"question": "gone?", "answer": "soon"}])
    client.datasets.unregister("qa-again")
    client.datasets.register(purpose="eval/question-answer", source=source, dataset_id="qa-again")
    assert client.datasets.iterrows("qa-again").data == QA_ROWS


def test_omitted_dataset_id_is_generated_and_unique(client: LlamaStackClient) -> None:
    source = {"type": "rows", "rows": QA_ROWS[:2]}
    first = client.datasets.register(purpose="eval/question-answer", source=source)
    second = client.datasets.register(purpose="eval/question-answer", source=source)
    assert first.identifier.startswith("dataset-") and first.identifier != second.identifier
    assert client.datasets.iterrows(second.identifier).data == QA_ROWS[:2]


def test_same_registration_twice_is_idempotent(client: LlamaStackClient) -> None:
    source = {"type": "rows", "rows": QA_ROWS[:3]}
    first = client.datasets.register(purpose="eval/question-answer", source=source, dataset_id="twice")
    again = client.datasets.register(purpose="eval/question-answer", source=source, dataset_id="twice")
    assert again == first


def test_messages_purposes_keep_nested_rows_exactly(client: LlamaStackClient, data_dir: Path) -> None:
    rows = [
        {
            "messages": [
                {"role": "user", "content": "Hi, I am Ann."},
                {"role": "assistant", "content": "Hello Ann."},
                {"role": "user", "content": "Who am I?"},
            ],
            "answer": "Ann",
        },
        {"messages": [{"role": "user", "content": "2+2?", "name": "bob"}], "answer": 4},
    ]
    path = data_dir / "messages.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    client.datasets.register(purpose="eval/messages-answer", source={"type": "uri", "uri": str(path)}, dataset_id="ma")
    assert client.datasets.iterrows("ma").data == rows  # no column unification, no type coercion
    chat = [{"messages": row["messages"]} for row in rows]
    client.datasets.register(purpose="post-training/messages", source={"type": "rows", "rows": chat}, dataset_id="pt")
    assert client.datasets.iterrows("pt", limit=1).data == chat[:1]


def test_dataset_ids_with_slashes(client: LlamaStackClient) -> None:
    client.datasets.register(
        purpose="eval/question-answer", source={"type": "rows", "rows": QA_ROWS[:1]}, dataset_id="team/qa/v1"
    )
    assert client.datasets.retrieve("team/qa/v1").identifier == "team/qa/v1"
    assert client.datasets.iterrows("team/qa/v1").data == QA_ROWS[:1]
    client.datasets.unregister("team/qa/v1")
    with pytest.raises(NotFoundError):
        client.datasets.retrieve("team/qa/v1")
