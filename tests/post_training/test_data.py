"""Rows → TRL formats: every shape the API promises, and a 400 naming row and column otherwise."""

import pytest

from plugstack.errors import BadRequestError
from plugstack_trl.data import preference_row, sft_row


def test_dialog_splits_into_prompt_and_last_assistant_turn() -> None:
    row = {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "Hi"}]},
            {"role": "assistant", "content": "Hello."},
        ]
    }
    converted = sft_row(row, "dialog", False, "d", 0)
    assert [m["role"] for m in converted["prompt"]] == ["system", "user"]
    assert converted["prompt"][1]["content"] == "Hi"
    assert converted["completion"] == [{"role": "assistant", "content": "Hello."}]


@pytest.mark.parametrize(("columns"), [("input", "output"), ("question", "answer")])
def test_instruct_columns(columns: tuple[str, str]) -> None:
    converted = sft_row({columns[0]: "2+2?", columns[1]: "4"}, "instruct", False, "d", 0)
    assert converted == {
        "prompt": [{"role": "user", "content": "2+2?"}],
        "completion": [{"role": "assistant", "content": "4"}],
    }


def test_train_on_input_keeps_one_conversation() -> None:
    converted = sft_row({"input": "2+2?", "output": "4"}, "instruct", True, "d", 0)
    assert converted == {"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]}


@pytest.mark.parametrize(
    ("row", "data_format", "column", "problem"),
    [
        ({"messages": [{"role": "user", "content": "hi"}]}, "dialog", "messages", "last message must be"),
        ({"messages": [{"role": "robot", "content": "hi"}]}, "dialog", "messages", "message 0 needs a role"),
        ({"messages": "hi"}, "dialog", "messages", "non-empty list of messages"),
        ({"prompt": "hi", "chosen": "a", "rejected": "b"}, "dialog", "messages", "preference_optimize"),
        ({"text": "hi"}, "instruct", "input", "input/output or question/answer"),
        ({"input": "hi", "output": ""}, "instruct", "output", "is empty"),
    ],
)
def test_bad_sft_rows_name_row_and_column(row: dict, data_format: str, column: str, problem: str) -> None:
    with pytest.raises(BadRequestError) as error:
        sft_row(row, data_format, False, "my-data", 7)  # type: ignore[arg-type]
    assert f"dataset 'my-data', row 7, column {column!r}" in error.value.detail
    assert problem in error.value.detail


def test_preference_rows_from_strings_or_messages() -> None:
    converted = preference_row({"prompt": "Q?", "chosen": "yes", "rejected": "no"}, "d", 0)
    assert converted["prompt"] == [{"role": "user", "content": "Q?"}]
    assert converted["chosen"] == [{"role": "assistant", "content": "yes"}]
    from_messages = preference_row(
        {"messages": [{"role": "user", "content": "Q?"}], "chosen": "yes", "rejected": "no"}, "d", 0
    )
    assert from_messages == converted


def test_preference_row_without_rejected_is_named() -> None:
    with pytest.raises(BadRequestError, match=r"row 3, column 'rejected'"):
        preference_row({"prompt": "Q?", "chosen": "yes"}, "d", 3)
