"""Loading weights: HF directories, GGUF files (dequantized by transformers) and PEFT adapters.

Everything here blocks (disk, dequantization) and runs in the model's worker thread. Loading
is always local (``local_files_only``): nothing is fetched from a hub at run time.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModel, AutoModelForCausalLM, AutoTokenizer

from plugstack.errors import BadRequestError
from plugstack_transformers.config import ModelSource, TransformersConfig

GGUF_SUFFIX = ".gguf"


@dataclass(frozen=True)
class WeightsLocation:
    """A directory, plus the GGUF file inside it when the weights are a GGUF file."""

    directory: Path
    gguf_file: str | None = None

    @classmethod
    def of(cls, path: Path, field: str) -> "WeightsLocation":
        path = path.expanduser()
        if path.suffix == GGUF_SUFFIX:
            if not path.is_file():
                raise BadRequestError(f"{field}: GGUF file {str(path)!r} does not exist")
            return cls(path.parent, path.name)
        if not (path / "config.json").is_file():
            raise BadRequestError(
                f"{field}: {str(path)!r} is neither a .gguf file nor a model directory with config.json"
            )
        return cls(path)

    def kwargs(self) -> dict[str, Any]:
        return {"gguf_file": self.gguf_file} if self.gguf_file else {}


def resolve(config: TransformersConfig) -> TransformersConfig:
    """The config with ``auto`` device and dtype made concrete for this machine, decided once.

    CUDA when present, else the CPU; bfloat16 on a CUDA GPU that computes in it natively
    (Ampere and later; float16 before), float32 elsewhere (exact, and fast on CPUs).
    """
    device = config.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = config.dtype
    if dtype == "auto":
        dtype = "float32"
        if torch.device(device).type == "cuda":
            dtype = "bfloat16" if torch.cuda.get_device_capability(device)[0] >= 8 else "float16"
    return config.model_copy(update={"device": device, "dtype": dtype})


@dataclass
class LoadedWeights:
    model: Any
    tokenizer: Any


def _adapter_base(source: ModelSource) -> Path:
    if source.base_model is not None:
        return source.base_model
    assert source.adapter_path is not None
    config_path = source.adapter_path / "adapter_config.json"
    try:
        base = json.loads(config_path.read_text()).get("base_model_name_or_path")
    except (OSError, ValueError) as exc:
        raise BadRequestError(f"metadata.adapter_path: cannot read {str(config_path)!r}: {exc}") from None
    if not base:
        raise BadRequestError("metadata.base_model: the adapter does not name its base model; give it")
    return Path(base)


def load(source: ModelSource, default_path: str, model_type: str, config: TransformersConfig) -> LoadedWeights:
    """Load a causal LM (or, for embedding models, the bare encoder) with its tokenizer."""
    if source.adapter_path is not None:
        if not (source.adapter_path / "adapter_config.json").is_file():
            raise BadRequestError(
                f"metadata.adapter_path: {str(source.adapter_path)!r} is not a PEFT adapter directory"
            )
        weights = WeightsLocation.of(_adapter_base(source), "metadata.base_model")
    else:
        weights = WeightsLocation.of(source.path or Path(default_path), "metadata.path")

    model_class = AutoModel if model_type == "embedding" else AutoModelForCausalLM
    common = {"local_files_only": True, **weights.kwargs()}
    tokenizer_dir = weights.directory
    if source.adapter_path is not None and (source.adapter_path / "tokenizer_config.json").is_file():
        tokenizer_dir, common_tok = source.adapter_path, {"local_files_only": True}
    else:
        common_tok = common
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir, **common_tok)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = model_class.from_pretrained(weights.directory, dtype=getattr(torch, config.dtype), **common)
    if source.adapter_path is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, source.adapter_path)
        if config.merge_adapters:
            model = model.merge_and_unload()
    model.to(config.device)
    model.eval()
    return LoadedWeights(model=model, tokenizer=tokenizer)
