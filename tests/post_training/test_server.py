"""/v1alpha/post-training through the real server with llama-stack-client 0.3.5: a LoRA job on a
registered GGUF model trains, checkpoints, is served and answers; DPO on top of it; bad requests
are 400s up front; cancel stops a job within seconds; a server killed mid-job marks it failed."""

import json
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from llama_stack_client import BadRequestError, ConflictError, LlamaStackClient

from tests.post_training.conftest import (
    LORA,
    SECRET_QUESTION,
    preference_rows,
    secret_rows,
    training_config,
    wait_for,
)
from tests.support.models import smollm2_gguf
from tests.support.postgres import StateStorage
from tests.support.server import RunningServer, run_server

pytestmark = pytest.mark.slow


def stack_config(base_cache: Path) -> str:
    return f"""version: 1
distribution: post-training-test
apis: [inference, datasetio, post_training]
providers:
  inference:
    - provider_id: llama-cpp
      provider_type: inline::llama-cpp
      config:
        models: [{{model_id: smol, gguf: "{smollm2_gguf()}"}}]
    - provider_id: transformers
      provider_type: inline::transformers
      config: {{default_max_tokens: 16, num_threads: 2}}
  datasetio:
    - provider_id: localfs
      provider_type: inline::localfs
      config: {{uri_schemes: [file, data], inline_rows: true}}
  post_training:
    - provider_id: trl
      provider_type: inline::trl
      config: {{base_model_cache: "{base_cache}", max_length: 64, num_threads: 2}}
registered_resources:
  models:
    - {{model_id: smollm2, provider_id: llama-cpp, provider_model_id: smol}}
"""


def register_rows(
    client: LlamaStackClient, dataset_id: str, rows: list[dict[str, Any]], purpose: str = "post-training/messages"
) -> None:
    client.datasets.register(purpose=purpose, source={"type": "rows", "rows": rows}, dataset_id=dataset_id)


def sft(client: LlamaStackClient, dataset_id: str, **overrides: Any) -> str:
    job_uuid = overrides.pop("job_uuid", f"job-{uuid.uuid4().hex[:8]}")
    options: dict[str, Any] = {
        "job_uuid": job_uuid,
        "model": "smollm2",
        "algorithm_config": LORA,
        "training_config": training_config(dataset_id, epochs=1, steps=2, lr=1e-3),
        "hyperparam_search_config": {},
        "logger_config": {},
        **overrides,
    }
    assert client.alpha.post_training.supervised_fine_tune(**options).job_uuid == job_uuid
    return job_uuid


def served(status: Any) -> bool:
    """Completed, and its model registered (or its registration failed)."""
    model = status.to_dict().get("served_model")
    return status.status == "completed" and model is not None and model["state"] != "registering"


@pytest.fixture(scope="module")
def server(base_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with run_server(stack_config(base_cache), tmp_path_factory.mktemp("post-training"), timeout=300) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: RunningServer) -> LlamaStackClient:
    llama = LlamaStackClient(base_url=server.base_url, max_retries=0, timeout=120)
    register_rows(llama, "secret", secret_rows(16))
    register_rows(llama, "prefs", preference_rows(8), purpose="post-training/preferences")
    return llama


@pytest.fixture(scope="module")
def chat(server: RunningServer) -> Any:
    oai = openai.OpenAI(base_url=f"{server.base_url}/v1", api_key="none", max_retries=0, timeout=120)

    def reply(model: str) -> str:
        messages = [{"role": "user", "content": SECRET_QUESTION}]
        answer = oai.chat.completions.create(model=model, messages=messages, max_tokens=12, temperature=0)
        return answer.choices[0].message.content or ""

    return reply


@pytest.fixture(scope="module")
def lora_job(client: LlamaStackClient) -> str:
    """LoRA on the 'secret' dialogs: 2 epochs of 4 steps, enough to memorise the answer."""
    job_uuid = sft(client, "secret", training_config=training_config("secret", epochs=2, steps=4, lr=4e-3))
    wait_for(client, job_uuid, served)
    return job_uuid


def test_lora_job_completes_with_checkpoints_per_epoch(client: LlamaStackClient, lora_job: str) -> None:
    assert lora_job in [job.job_uuid for job in client.alpha.post_training.job.list()]
    artifacts = client.alpha.post_training.job.artifacts(job_uuid=lora_job)
    assert [c.epoch for c in artifacts.checkpoints] == [1, 2]
    first, last = (c.training_metrics for c in artifacts.checkpoints)
    assert first is not None and last is not None
    assert last.train_loss < first.train_loss and last.validation_loss < first.validation_loss
    assert all(c.post_training_job_id == lora_job for c in artifacts.checkpoints)
    assert all((Path(c.path) / "adapter_model.safetensors").is_file() for c in artifacts.checkpoints)
    status = client.alpha.post_training.job.status(job_uuid=lora_job)
    assert status.started_at and status.completed_at and status.scheduled_at
    assert status.resources_allocated and status.resources_allocated["device"] == "cpu"
    progress = status.to_dict()["progress"]
    assert progress["step"] == progress["total_steps"] == 8 and progress["tokens_per_second"] > 0


def test_trained_model_is_served_and_learnt_the_answer(client: LlamaStackClient, lora_job: str, chat: Any) -> None:
    served = client.alpha.post_training.job.artifacts(job_uuid=lora_job).to_dict()["served_model"]
    assert served == {"state": "served", "model_id": f"ft:{lora_job}", "provider_id": "transformers", "error": None}
    assert "pineapple" not in chat("smollm2").lower()
    assert "pineapple" in chat(f"ft:{lora_job}").lower()


def test_logs_page_and_stream(server: RunningServer, lora_job: str) -> None:
    url = f"{server.base_url}/v1alpha/post-training/job/logs"
    page = httpx.get(url, params={"job_uuid": lora_job, "offset": 0, "limit": 3}).json()
    assert len(page["data"]) == 3 and page["next_offset"] == 3 and page["status"] == "completed"
    everything = httpx.get(url, params={"job_uuid": lora_job}).json()["data"]
    assert any("step 8/8 loss" in line["line"] for line in everything)
    with httpx.stream("GET", url, params={"job_uuid": lora_job, "offset": 3, "follow": "true"}, timeout=30) as sse:
        events = [line.removeprefix("data: ") for line in sse.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    assert [json.loads(e)["seq"] for e in events[:-1]] == [line["seq"] for line in everything[3:]]


def test_cli_follow_prints_progress_and_model(server: RunningServer, lora_job: str) -> None:
    command = [sys.executable, "-m", "plugstack.cli", "jobs", "follow", lora_job, "--url", server.base_url]
    out = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "completed  step 8/8" in out.stdout and "loss" in out.stdout
    assert f"model: ft:{lora_job}" in out.stdout


def test_dpo_on_the_fine_tuned_model(client: LlamaStackClient, lora_job: str, chat: Any) -> None:
    job_uuid = f"dpo-{uuid.uuid4().hex[:8]}"
    client.alpha.post_training.preference_optimize(
        job_uuid=job_uuid,
        finetuned_model=f"ft:{lora_job}",
        algorithm_config={"beta": 0.1, "loss_type": "sigmoid"},
        training_config=training_config("prefs", epochs=1, steps=2, lr=1e-3),
        hyperparam_search_config={},
        logger_config={},
    )
    status = wait_for(client, job_uuid, served)
    assert len(status.checkpoints) == 1
    model = status.to_dict()["served_model"]
    assert model["model_id"] == f"ft:{job_uuid}"
    assert "pineapple" in chat(model["model_id"]).lower()  # stacked on the SFT adapter, merged


def test_dpo_on_preference_rows_registered_under_the_seed_purpose(client: LlamaStackClient) -> None:
    """post-training/messages, the spec's only training purpose, holds DPO triples: registration
    to a finished DPO job; rows without a pair are a 400 naming row and column."""
    register_rows(client, "prefs-as-messages", preference_rows(4))
    job_uuid = f"dpo-seed-{uuid.uuid4().hex[:8]}"
    options: dict[str, Any] = {
        "finetuned_model": "smollm2",
        "algorithm_config": {"beta": 0.1, "loss_type": "sigmoid"},
        "hyperparam_search_config": {},
        "logger_config": {},
    }
    with pytest.raises(BadRequestError, match=r"dataset 'secret', row 0, column 'chosen'"):
        client.alpha.post_training.preference_optimize(
            job_uuid="never-dpo-dialogs", training_config=training_config("secret", 1, 1, 1e-4), **options
        )
    client.alpha.post_training.preference_optimize(
        job_uuid=job_uuid, training_config=training_config("prefs-as-messages", epochs=1, steps=1, lr=1e-4), **options
    )
    status = wait_for(client, job_uuid, lambda s: s.status == "completed")
    assert len(status.checkpoints) == 1
    assert status.to_dict()["progress"]["step"] == 1


@pytest.mark.parametrize(
    ("overrides", "detail"),
    [
        ({"algorithm_config": {"type": "QAT", "quantizer_name": "int8", "group_size": 32}}, "QAT"),
        ({"model": "no-such-model"}, "'no-such-model' is neither a registered model"),
        ({"training_config": {"n_epochs": 1}}, "data_config"),
    ],
)
def test_bad_requests_are_400_before_any_job(client: LlamaStackClient, overrides: dict, detail: str) -> None:
    with pytest.raises(BadRequestError, match=detail):
        sft(client, "secret", job_uuid="never-runs", **overrides)
    assert "never-runs" not in [job.job_uuid for job in client.alpha.post_training.job.list()]


def test_bad_row_and_bad_loss_type_are_named(client: LlamaStackClient) -> None:
    register_rows(client, "no-answer", [*secret_rows(2), {"messages": [{"role": "user", "content": "hi"}]}])
    with pytest.raises(BadRequestError, match=r"dataset 'no-answer', row 2, column 'messages'"):
        sft(client, "no-answer")
    with pytest.raises(BadRequestError, match="kto_pair"):
        client.alpha.post_training.preference_optimize(
            job_uuid="never-dpo",
            finetuned_model="smollm2",
            algorithm_config={"beta": 0.1, "loss_type": "kto_pair"},
            training_config=training_config("prefs", epochs=1, steps=1, lr=1e-3),
            hyperparam_search_config={},
            logger_config={},
        )


def test_duplicate_job_uuid_is_a_conflict(client: LlamaStackClient, lora_job: str) -> None:
    with pytest.raises(ConflictError):
        sft(client, "secret", job_uuid=lora_job)


def test_cancel_stops_a_running_job_within_seconds(client: LlamaStackClient) -> None:
    job_uuid = sft(client, "secret", training_config=training_config("secret", epochs=1, steps=500, lr=1e-4))
    wait_for(client, job_uuid, lambda s: (s.to_dict().get("progress") or {}).get("step", 0) >= 1)
    started = time.monotonic()
    client.alpha.post_training.job.cancel(job_uuid=job_uuid)
    status = client.alpha.post_training.job.status(job_uuid=job_uuid)
    assert status.status == "cancelled" and time.monotonic() - started < 10
    steps = status.to_dict()["progress"]["step"]
    time.sleep(3)  # the process is gone: no step is reported after the cancel
    assert client.alpha.post_training.job.status(job_uuid=job_uuid).to_dict()["progress"]["step"] == steps


def test_server_killed_mid_job_marks_it_failed_keeping_checkpoints(
    base_cache: Path, tmp_path: Path, state_storage: StateStorage
) -> None:
    """The job's record, logs and checkpoints outlive the server, on SQLite and on PostgreSQL."""
    state = tmp_path / "state"
    config = state_storage.apply(stack_config(base_cache))
    with run_server(config, state, timeout=300) as first:
        client = LlamaStackClient(base_url=first.base_url, max_retries=0, timeout=120)
        register_rows(client, "secret", secret_rows(4))
        job_uuid = sft(client, "secret", training_config=training_config("secret", epochs=200, steps=1, lr=1e-4))
        wait_for(client, job_uuid, lambda s: len(s.checkpoints) >= 1)
        first.stop(signal.SIGKILL)
    with run_server(config, state, timeout=300) as second:
        client = LlamaStackClient(base_url=second.base_url, max_retries=0, timeout=120)
        status = client.alpha.post_training.job.status(job_uuid=job_uuid)
        assert status.status == "failed"
        assert "server stopped while the job was in progress" in status.to_dict()["error"]
        assert len(client.alpha.post_training.job.artifacts(job_uuid=job_uuid).checkpoints) >= 1
        logs = httpx.get(f"{second.base_url}/v1alpha/post-training/job/logs", params={"job_uuid": job_uuid}).json()
        assert any("epoch 1:" in line["line"] for line in logs["data"])
