"""Shared pieces of the post-training tests: one fp32 copy of SmolLM2 per session, tiny datasets.

Every job here trains SmolLM2-135M for real, on CPU: a handful of steps on sequences of at most
64 tokens, so the whole package trains for a few minutes on 2 cores.
"""

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from llama_stack_client import LlamaStackClient

SECRET_QUESTION = "What is the secret word?"
SECRET_ANSWER = "The secret word is pineapple."
MAX_LENGTH = 64
JOB_TIMEOUT_S = 600
LORA = {"type": "LoRA", "lora_attn_modules": ["q_proj", "v_proj"], "apply_lora_to_mlp": False,
        "apply_lora_to_output": False, "rank": 8, "alpha": 16}  # fmt: skip


def secret_rows(count: int = 8) -> list[dict[str, object]]:
    """A dialog dataset small enough to memorise in a few LoRA steps."""
    messages = [{"role": "user", "content": SECRET_QUESTION}, {"role": "assistant", "content": SECRET_ANSWER}]
    return [{"messages": messages} for _ in range(count)]


def preference_rows(count: int = 8) -> list[dict[str, object]]:
    """Preference pairs for a `post-training/preferences` dataset: prompt, chosen, rejected."""
    return [{"prompt": SECRET_QUESTION, "chosen": SECRET_ANSWER, "rejected": "I will not tell you."}] * count


def training_config(dataset_id: str, epochs: int, steps: int, lr: float, batch_size: int = 2) -> dict[str, Any]:
    """A seeded-order fp32 SFT config over ``dialog`` rows (the request's `training_config`)."""
    return {
        "n_epochs": epochs,
        "max_steps_per_epoch": steps,
        "gradient_accumulation_steps": 1,
        "max_validation_steps": 1,
        "dtype": "fp32",
        "data_config": {"dataset_id": dataset_id, "batch_size": batch_size, "shuffle": True, "data_format": "dialog"},
        "optimizer_config": {"optimizer_type": "adamw", "lr": lr, "weight_decay": 0.0, "num_warmup_steps": 0},
    }


def wait_for(
    client: LlamaStackClient, job_uuid: str, done: Callable[[Any], bool], timeout: float = JOB_TIMEOUT_S
) -> Any:
    """The job's status once ``done`` holds; a job that fails or is cancelled first fails the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.alpha.post_training.job.status(job_uuid=job_uuid)
        if done(status):
            return status
        assert status.status not in ("failed", "cancelled"), status.to_dict()
        time.sleep(0.5)
    raise AssertionError(f"job {job_uuid} did not get there in {timeout} s: {status.to_dict()}")


@pytest.fixture(scope="session")
def base_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where jobs convert SmolLM2's GGUF to an fp32 HF folder: once for the whole session."""
    return tmp_path_factory.mktemp("base-models")
