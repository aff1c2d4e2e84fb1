"""The provider's run.yaml `config` section."""

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class TrlConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    checkpoint_dir: Path | None = Field(
        default=None, description="where jobs write checkpoints (a folder per job); default: the provider's state dir"
    )
    base_model_cache: Path | None = Field(
        default=None,
        description="where GGUF base models are converted once to fp32 HF folders; default: the provider's state dir",
    )
    device: Literal["auto", "cpu", "cuda"] = Field(default="auto", description="auto: a CUDA GPU when there is one")
    num_threads: int | None = Field(
        default=None, ge=1, description="torch threads of a job, shared by its processes; default: torch's"
    )
    num_processes: Annotated[int, Field(ge=1)] | Literal["auto"] = Field(
        default=1,
        description="training processes per job, one per device (DDP, or FSDP when the request's efficiency_config "
        "asks); auto: one per visible CUDA GPU, 1 on CPU",
    )
    max_length: int = Field(default=512, ge=16, description="tokens per training sequence; longer ones are cut")
    seed: int = Field(default=42, description="seeds shuffling, adapter initialisation and dropout")
    preference_lora_rank: int | None = Field(
        default=8,
        ge=1,
        description="DPO trains a LoRA adapter of this rank (q/v projections); null: all weights, with a frozen copy "
        "as the reference model",
    )
    serve_provider_id: str | None = Field(
        default=None,
        description="the inference provider that serves trained models; default: the stack's inline::transformers",
    )
