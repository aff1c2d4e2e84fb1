"""A job's complete, JSON-serialisable description: what the server decides, the child executes.

Everything that can be checked is checked in the server (a 400 before any job exists); the child
process only loads, trains and saves.
"""

from typing import Literal

from pydantic import BaseModel, Field


class BaseWeights(BaseModel):
    """The weights a job starts from: an HF folder or a GGUF file, plus an adapter already on them."""

    path: str = Field(description="an HF model folder, or the folder of the GGUF file")
    gguf_file: str | None = Field(default=None, description="file name inside `path` when the weights are GGUF")
    adapter_path: str | None = Field(default=None, description="a PEFT adapter to merge into the base first")


class AdapterPlan(BaseModel):
    rank: int
    alpha: int
    target_modules: list[str]
    use_dora: bool = False
    quantize_base: bool = False


class OptimizerPlan(BaseModel):
    optimizer_type: Literal["adam", "adamw", "sgd"] = "adamw"
    lr: float = 2e-4
    weight_decay: float = 0.0
    num_warmup_steps: int = 0


class PreferencePlan(BaseModel):
    beta: float
    loss_type: str = Field(description="a TRL 1.x DPO loss type")


class ParallelPlan(BaseModel):
    """How many processes train together (one per device) and how they share the model."""

    num_processes: int | Literal["auto"] = Field(default=1, description="auto: one per visible CUDA GPU (1 on CPU)")
    fsdp: bool = Field(default=False, description="shard weights, gradients and optimizer state (FSDP); else DDP")
    fsdp_cpu_offload: bool = False
    activation_offloading: bool = Field(default=False, description="keep activations in CPU memory (TRL SFT)")


class TrainingPlan(BaseModel):
    job_uuid: str
    method: Literal["sft", "dpo"]
    base: BaseWeights
    base_cache: str = Field(description="folder for GGUF → HF conversions, shared by jobs")
    adapter: AdapterPlan | None = Field(default=None, description="none: all weights are trained")
    preference: PreferencePlan | None = None
    train_file: str = Field(description="JSONL rows already in TRL's conversational format")
    validation_file: str | None = None
    output_dir: str
    n_epochs: int
    max_steps_per_epoch: int
    gradient_accumulation_steps: int
    batch_size: int = Field(description="rows per optimizer micro-step over all processes together")
    shuffle: bool
    max_validation_steps: int
    packed: bool
    train_on_input: bool
    optimizer: OptimizerPlan
    dtype: Literal["fp32", "bf16", "fp16"] = Field(default="fp32", description="honoured on GPUs; CPUs train in fp32")
    gradient_checkpointing: bool = False
    device: Literal["auto", "cpu", "cuda"] = "auto"
    num_threads: int | None = None
    parallel: ParallelPlan = ParallelPlan()
    max_length: int
    seed: int
