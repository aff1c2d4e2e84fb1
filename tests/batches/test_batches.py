"""/v1/batches through the openai client against the real server: real completions from the
embedded model, per-line errors, refused files, cancel and list."""

import openai
import pytest
from openai import OpenAI

from tests.batches.conftest import COUNTING, REAL, chat_line, file_lines, jsonl, submit, wait_for


def test_chat_batch_answers_every_line_and_files_the_failures(client: OpenAI) -> None:
    good = [chat_line(f"q{n}", REAL, question) for n, question in enumerate(["Say hi.", "Name a color."])]
    bad_body = {"custom_id": "bad-body", "method": "POST", "url": "/v1/chat/completions", "body": {"model": REAL}}
    unknown_model = chat_line("no-model", "not-a-model", "hello")
    batch = submit(client, [good[0], bad_body, "{not json", unknown_model, good[1]])
    assert batch.status == "validating" and batch.endpoint == "/v1/chat/completions"

    done = wait_for(client, batch.id)
    assert done.status == "completed", done.errors
    assert done.request_counts is not None
    assert (done.request_counts.completed, done.request_counts.failed, done.request_counts.total) == (2, 3, 5)
    assert done.model == REAL
    assert done.created_at <= done.in_progress_at <= done.finalizing_at <= done.completed_at  # type: ignore[operator]

    outputs = file_lines(client, done.output_file_id)
    assert [line["custom_id"] for line in outputs] == ["q0", "q1"]
    for line in outputs:
        assert line["id"].startswith("batch_req_") and line["error"] is None
        response = line["response"]
        assert response["status_code"] == 200 and response["request_id"]
        assert response["body"]["object"] == "chat.completion" and response["body"]["model"] == REAL
        assert response["body"]["choices"][0]["message"]["content"].strip()

    errors = {line["custom_id"]: line for line in file_lines(client, done.error_file_id)}
    assert set(errors) == {"bad-body", "no-model", None}
    assert errors["bad-body"]["response"]["status_code"] == 400
    assert "messages" in errors["bad-body"]["response"]["body"]["detail"]
    assert errors["no-model"]["response"]["status_code"] == 404
    assert errors[None]["response"] is None
    assert errors[None]["error"]["code"] == "invalid_request" and "line 3" in errors[None]["error"]["message"]
    assert client.files.retrieve(done.output_file_id).purpose == "batch_output"  # type: ignore[arg-type]


def test_completions_endpoint(client: OpenAI) -> None:
    lines = [
        {
            "custom_id": f"c{n}",
            "method": "POST",
            "url": "/v1/completions",
            "body": {"model": REAL, "prompt": p, "max_tokens": 6},
        }
        for n, p in enumerate(["Once upon a time", "The capital of France is"])
    ]
    done = wait_for(client, submit(client, lines, endpoint="/v1/completions").id)
    assert done.status == "completed"
    outputs = file_lines(client, done.output_file_id)
    assert [line["custom_id"] for line in outputs] == ["c0", "c1"]
    assert all(line["response"]["body"]["choices"][0]["text"] for line in outputs)
    assert done.error_file_id is None


def test_whole_file_refused_with_reasons(client: OpenAI) -> None:
    wrong_url = {**chat_line("a", COUNTING, "x"), "url": "/v1/embeddings"}
    refused = wait_for(client, submit(client, [chat_line("a", COUNTING, "x"), wrong_url]).id)
    assert refused.status == "failed" and refused.failed_at is not None
    assert refused.errors is not None and refused.errors.data is not None
    assert {(e.code, e.line) for e in refused.errors.data} == {("invalid_url", 2), ("duplicate_custom_id", 2)}
    assert refused.output_file_id is None and refused.error_file_id is None

    not_jsonl = wait_for(client, submit(client, ["custom_id,body", "a,b"]).id)
    assert not_jsonl.status == "failed"
    assert [e.code for e in not_jsonl.errors.data] == ["invalid_json_line"] * 2  # type: ignore[union-attr]


def test_create_checks_the_input_file(client: OpenAI) -> None:
    other = client.files.create(file=("notes.jsonl", jsonl([chat_line("a", COUNTING, "x")])), purpose="assistants")
    with pytest.raises(openai.BadRequestError) as wrong_purpose:
        client.batches.create(input_file_id=other.id, endpoint="/v1/chat/completions", completion_window="24h")
    assert "purpose 'batch'" in wrong_purpose.value.body["detail"]  # type: ignore[index]
    with pytest.raises(openai.NotFoundError):
        client.batches.create(input_file_id="file-missing", endpoint="/v1/chat/completions", completion_window="24h")
    with pytest.raises(openai.BadRequestError) as wrong_endpoint:
        client.batches.create(input_file_id=other.id, endpoint="/v1/moderations", completion_window="24h")
    assert "endpoint" in wrong_endpoint.value.body["detail"]  # type: ignore[index]


def test_cancel_keeps_the_answered_lines(client: OpenAI) -> None:
    batch = submit(client, [chat_line(f"s{n}", COUNTING, f"slow {n}") for n in range(40)])
    wait_for(client, batch.id, lambda b: b.request_counts is not None and b.request_counts.completed >= 2)
    cancelling = client.batches.cancel(batch.id)
    assert cancelling.status in ("cancelling", "cancelled") and cancelling.cancelling_at is not None

    cancelled = wait_for(client, batch.id)
    assert cancelled.status == "cancelled" and cancelled.cancelled_at is not None
    assert cancelled.request_counts is not None
    answered = cancelled.request_counts.completed
    assert 2 <= answered < 40
    kept = [line["custom_id"] for line in file_lines(client, cancelled.output_file_id)]
    assert len(kept) == answered and kept == sorted(set(kept), key=lambda custom_id: int(custom_id[1:]))
    assert client.batches.cancel(batch.id).status == "cancelled"

    finished = wait_for(client, submit(client, [chat_line("one", COUNTING, "quick")]).id)
    with pytest.raises(openai.ConflictError) as conflict:
        client.batches.cancel(finished.id)
    assert "already completed" in conflict.value.body["detail"]  # type: ignore[index]


def test_list_pages_newest_first(client: OpenAI) -> None:
    created = [submit(client, [chat_line("x", COUNTING, f"list {n}")]).id for n in range(3)]
    first = client.batches.list(limit=2)
    assert len(first.data) == 2 and first.has_more
    listed = [batch.id for batch in client.batches.list(limit=2)]  # auto-paging through `after`
    assert listed == sorted(listed, reverse=True)
    assert [batch_id for batch_id in listed if batch_id in created] == created[::-1]
    assert client.batches.retrieve(created[0]).id == created[0]
    with pytest.raises(openai.NotFoundError):
        client.batches.retrieve("batch_missing")
