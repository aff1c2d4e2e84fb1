"""Shared pieces of the post-training tests: one fp32 copy of SmolLM2 per session, tiny datasets.

Every job here trains SmolLM2-135M for real, on CPU: a handful of steps on sequences of at most
64 tokens, so the whole package trains for a few minutes on 2 cores.
"""

from pathlib import Path

import pytest

SECRET_QUESTION = "What is the secret word?"
SECRET_ANSWER = "The secret word is pineapple."
MAX_LENGTH = 64


def secret_rows(count: int = 8) -> list[dict[str, object]]:
    """A dialog dataset small enough to memorise in a few LoRA steps."""
    messages = [{"role": "user", "content": SECRET_QUESTION}, {"role": "assistant", "content": SECRET_ANSWER}]
    return [{"messages": messages} for _ in range(count)]


def preference_rows(count: int = 8) -> list[dict[str, object]]:
    """Preference pairs for a `post-training/preferences` dataset: prompt, chosen, rejected."""
    return [{"prompt": SECRET_QUESTION, "chosen": SECRET_ANSWER, "rejected": "I will not tell you."}] * count


@pytest.fixture(scope="session")
def base_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where jobs convert SmolLM2's GGUF to an fp32 HF folder: once for the whole session."""
    return tmp_path_factory.mktemp("base-models")
