"""A server killed (SIGKILL) mid-batch resumes the batch at its next start and asks only the
lines it had not answered: the counting model records every request it answers. The batch's
record and progress are stored on SQLite, then on PostgreSQL."""

import signal
from collections import Counter
from pathlib import Path

from tests.batches.conftest import (
    COUNTING,
    chat_line,
    counting_env,
    file_lines,
    run_yaml,
    submit,
    wait_for,
)
from tests.support.clients import openai_client
from tests.support.postgres import StateStorage
from tests.support.server import run_server

LINES = 24
CONCURRENCY = 2


def test_killed_mid_batch_resumes_without_repeating_answered_lines(tmp_path: Path, state_storage: StateStorage) -> None:
    calls_file = tmp_path / "calls.txt"
    config = state_storage.apply(run_yaml(calls_file, delay_s=0.25, concurrency=CONCURRENCY, with_llama_cpp=False))
    env = counting_env(tmp_path)
    with run_server(config, tmp_path / "state", env=env) as first:
        client = openai_client(first)
        batch = submit(client, [chat_line(f"r{n}", COUNTING, f"prompt {n}") for n in range(LINES)])
        answered = wait_for(
            client, batch.id, lambda b: b.request_counts is not None and b.request_counts.completed >= 8
        )
        first.stop(signal.SIGKILL)
    assert answered.status == "in_progress"
    asked_before_restart = Counter(calls_file.read_text().splitlines())
    assert 8 <= sum(asked_before_restart.values()) < LINES

    with run_server(config, tmp_path / "state", env=env) as second:
        client = openai_client(second)
        done = wait_for(client, batch.id)
        assert done.status == "completed" and done.request_counts is not None
        assert (done.request_counts.completed, done.request_counts.total) == (LINES, LINES)
        outputs = file_lines(client, done.output_file_id)

    assert [line["custom_id"] for line in outputs] == [f"r{n}" for n in range(LINES)]
    asked = Counter(calls_file.read_text().splitlines())
    assert set(asked) == {f"prompt {n}" for n in range(LINES)}
    # Only a line answered in the instant between its answer and its record can be asked twice.
    asked_twice = [prompt for prompt, count in asked.items() if count > 1]
    assert len(asked_twice) <= CONCURRENCY, asked_twice
