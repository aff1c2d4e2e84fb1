"""Model files for the vLLM tests, made once per session in the main venv: SmolLM2 as an fp32
HF directory (vLLM does not take the GGUF) and a random LoRA adapter for it."""

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def smollm2_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.support.models import smollm2_hf_dir

    return smollm2_hf_dir(tmp_path_factory.mktemp("smollm2-hf"))


@pytest.fixture(scope="session")
def lora_dir(smollm2_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A rank-4 LoRA adapter with random (non-zero) weights: it changes the model's answers."""
    from tests.support.models import make_lora_adapter

    return make_lora_adapter(smollm2_dir, tmp_path_factory.mktemp("lora"), random_weights=True)
