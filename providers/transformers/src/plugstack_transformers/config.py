"""The provider's run.yaml `config` section, and the per-model source carried in model metadata."""

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class TransformersConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device: str = Field(
        default="auto", description="torch device the models run on: auto (cuda when present, else cpu), cpu, cuda:1"
    )
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = Field(
        default="auto",
        description="weights dtype; auto: bfloat16 on CUDA (float16 before Ampere), float32 elsewhere (exact on CPU)",
    )
    num_threads: int | None = Field(default=None, ge=1, description="torch intra-op threads; default torch's")
    default_max_tokens: int = Field(default=256, ge=1, description="completion length when a request sets none")
    max_queued_requests: int = Field(default=32, ge=1, description="requests waiting per model before new ones get 429")
    merge_adapters: bool = Field(
        default=True, description="merge PEFT adapters into the base weights at load (faster; same output)"
    )


class ModelSource(BaseModel):
    """Where a registered model's weights are: the model's `metadata` in run.yaml or POST /v1/models.

    ``path`` is an HF model directory or a ``.gguf`` file (default: the provider model id).
    ``adapter_path`` is a PEFT adapter directory served on ``base_model`` (a directory or a
    ``.gguf`` file; default: the adapter's own ``base_model_name_or_path``).
    """

    model_config = ConfigDict(extra="ignore")

    path: Path | None = None
    adapter_path: Path | None = None
    base_model: Path | None = None
