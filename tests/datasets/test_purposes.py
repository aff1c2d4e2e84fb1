"""Purposes accept every column naming their consumers read (Llama Stack's included), and a row
that fits none is a 400 naming the row, the column it lacks and the shapes the purpose takes."""

import base64
import csv
import io
import json
from pathlib import Path

import pyarrow as pa
import pytest
from llama_stack_client import BadRequestError, LlamaStackClient

from plugstack.apis.datasetio.purposes import SHAPES, check_rows, describe
from plugstack.apis.scoring import columns
from plugstack.errors import BadRequestError as PlugstackBadRequest
from plugstack_localfs.rows import check_table

QUESTION = "What is the capital of France?"
CHAT = [{"role": "user", "content": QUESTION}]
# The columns of Llama Stack's own eval data (its test_dataset.csv, simpleqa): input_query,
# generated_answer, expected_answer, and chat_completion_input as a JSON string.
LLAMA_STACK_EVAL = {
    "input_query": QUESTION,
    "generated_answer": "London",
    "expected_answer": "Paris",
    "chat_completion_input": json.dumps(CHAT),
}
PREFERENCE = {"prompt": QUESTION, "chosen": "Paris.", "rejected": "London."}


def table(rows: list[dict[str, object]]) -> pa.Table:
    """An Arrow table with every column any row has (from_pylist takes the first row's alone)."""
    names = list(dict.fromkeys(name for row in rows for name in row))
    return pa.Table.from_pylist([{name: row.get(name) for name in names} for row in rows])


@pytest.mark.parametrize(
    ("purpose", "row"),
    [
        ("eval/messages-answer", {"messages": CHAT, "answer": "Paris"}),
        ("eval/messages-answer", LLAMA_STACK_EVAL),
        ("eval/messages-answer", {"chat_completion_input": json.dumps(CHAT), "expected_answer": "Paris"}),
        ("eval/messages-answer", {"input_query": QUESTION, "expected_answer": "Paris"}),
        ("eval/question-answer", {"question": QUESTION, "answer": "Paris"}),
        ("eval/question-answer", LLAMA_STACK_EVAL),
        ("eval/question-answer", {"messages": CHAT, "expected_answer": "Paris"}),
        ("post-training/messages", {"messages": [*CHAT, {"role": "assistant", "content": "Paris."}]}),
        ("post-training/messages", PREFERENCE),
        ("post-training/messages", {"messages": CHAT, "chosen": "Paris.", "rejected": "London."}),
        ("post-training/messages", {"input": QUESTION, "output": "Paris."}),
        ("post-training/messages", {"question": QUESTION, "answer": "Paris."}),
        ("post-training/instruct", {"question": QUESTION, "answer": "Paris."}),
        ("post-training/preferences", {"messages": CHAT, "chosen": "Paris.", "rejected": "London."}),
    ],
)
def test_every_naming_a_consumer_reads_is_accepted(purpose: str, row: dict[str, object]) -> None:
    check_rows(purpose, [row])  # type: ignore[arg-type]
    check_table(table([row]), purpose, "t")  # type: ignore[arg-type]


def test_eval_purposes_accept_exactly_what_scoring_and_eval_read() -> None:
    """Kept in step with plugstack.apis.scoring.columns, which eval and scoring read rows through."""
    readable_inputs = {*columns.ALIASES["input_query"], *columns.MESSAGE_COLUMNS}
    for purpose in ("eval/question-answer", "eval/messages-answer"):
        (shape,) = SHAPES[purpose]  # type: ignore[index]
        assert [set(column) for column in shape] == [readable_inputs, set(columns.ALIASES["expected_answer"])]


@pytest.mark.parametrize(
    ("purpose", "row", "named"),
    [
        ("eval/messages-answer", {"answer": "a"}, "column 'messages' (nor 'chat_completion_input', 'question', "),
        ("eval/messages-answer", {"input_query": "q", "generated_answer": "g"}, "column 'answer' (nor 'expected_"),
        ("post-training/messages", {"text": "hi"}, "column 'messages',"),
        ("post-training/messages", {"prompt": "p", "chosen": "c"}, "column 'rejected',"),
        ("post-training/messages", {"input": "i", "rejected": None}, "column 'output',"),
    ],
)
def test_a_row_that_fits_no_shape_names_the_column_of_the_nearest(purpose: str, row: dict, named: str) -> None:
    rows = [{"messages": CHAT, "answer": "a", "input": "i", "output": "o"}, row]
    with pytest.raises(PlugstackBadRequest) as caught:
        check_rows(purpose, rows)  # type: ignore[arg-type]
    assert caught.value.detail.startswith("row 1 has no value in ") and named in caught.value.detail
    assert f"(accepted columns: {describe(purpose)})" in caught.value.detail  # type: ignore[arg-type]
    with pytest.raises(PlugstackBadRequest) as from_table:
        check_table(table(rows), purpose, "t")  # type: ignore[arg-type]
    assert from_table.value.detail.startswith("row 1 of t ") and f"has no value in {named}" in from_table.value.detail


def test_accepted_shapes_are_listed() -> None:
    assert describe("post-training/messages") == (
        "messages, or prompt|messages + chosen + rejected, or input + output, or question + answer"
    )
    assert (
        describe("eval/question-answer")
        == "question|input_query|messages|chat_completion_input + answer|expected_answer"
    )


def test_tables_are_checked_row_by_row_across_shapes() -> None:
    """Rows of different shapes in one table fit; a null in one naming is filled by another."""
    mixed = table([PREFERENCE, {"input": "i", "output": "o"}, {"messages": CHAT}])
    check_table(mixed, "post-training/messages", "t")
    check_table(table([{"question": "q", "answer": "a"}]).slice(0, 0), "eval/question-answer", "t")
    partly = table([{"question": "q", "expected_answer": None, "answer": "a"}, {"question": "q"}])
    with pytest.raises(PlugstackBadRequest, match=r"^row 1 of t has no value in column 'answer' \(nor 'expected_"):
        check_table(partly, "eval/question-answer", "t")
    with pytest.raises(
        PlugstackBadRequest, match=r"^row 0 of t \(its columns: text\) has no value in column 'messages'"
    ):
        check_table(table([{"text": "hi"}]), "post-training/messages", "t")


def data_uri(rows: list[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return "data:text/csv;base64," + base64.b64encode(out.getvalue().encode()).decode()


def test_llama_stack_eval_data_registers_as_messages_answer(client: LlamaStackClient) -> None:
    """A CSV in Llama Stack's eval columns (through a data: URI), rows, and appends all register."""
    rows = [LLAMA_STACK_EVAL, {**LLAMA_STACK_EVAL, "input_query": "Who is the CEO of Meta?"}]
    client.datasets.register(purpose="eval/messages-answer", source={"type": "uri", "uri": data_uri(rows)},
                             dataset_id="ls-eval-csv")  # fmt: skip
    assert client.datasets.iterrows("ls-eval-csv").data == rows
    client.datasets.register(purpose="eval/messages-answer", source={"type": "rows", "rows": rows},
                             dataset_id="ls-eval-rows")  # fmt: skip
    client.datasets.appendrows("ls-eval-rows", rows=[{"input_query": "2 + 2?", "expected_answer": "4"}])
    assert len(client.datasets.iterrows("ls-eval-rows").data) == 3
    with pytest.raises(BadRequestError) as caught:
        client.datasets.appendrows("ls-eval-rows", rows=[{"input_query": "2 + 2?", "generated_answer": "4"}])
    assert caught.value.body["detail"].startswith("row 0 of the appended rows has no value in column 'answer'")


def test_preference_and_instruct_data_register_as_post_training_messages(
    client: LlamaStackClient, tmp_path: Path
) -> None:
    client.datasets.register(purpose="post-training/messages", source={"type": "rows", "rows": [PREFERENCE]},
                             dataset_id="dpo-as-messages")  # fmt: skip
    client.datasets.appendrows("dpo-as-messages", rows=[PREFERENCE])
    assert client.datasets.iterrows("dpo-as-messages").data == [PREFERENCE, PREFERENCE]
    jsonl = tmp_path / "mixed.jsonl"
    jsonl.write_text(json.dumps(PREFERENCE) + "\n" + json.dumps({"input": "2+2?", "output": "4"}) + "\n")
    client.datasets.register(purpose="post-training/messages", source={"type": "uri", "uri": str(jsonl)},
                             dataset_id="mixed-jsonl")  # fmt: skip
    assert len(client.datasets.iterrows("mixed-jsonl").data) == 2
    with pytest.raises(BadRequestError) as caught:
        client.datasets.register(purpose="post-training/messages", source={"type": "rows", "rows": [
            PREFERENCE, {"prompt": "p", "chosen": "c"}]}, dataset_id="half-pair")  # fmt: skip
    detail = caught.value.body["detail"]
    assert detail.startswith("row 1 has no value in column 'rejected'")
    assert "accepted columns: messages, or prompt|messages + chosen + rejected, or input + output" in detail
