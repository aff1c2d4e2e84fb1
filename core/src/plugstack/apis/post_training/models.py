"""Request and response shapes of /v1alpha/post-training, as seeds/002 and llama-stack-client 0.3.x define them.

Requests forbid unknown keys so a typo is a 400, not a silently ignored setting.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from plugstack.apis.ids import PathComponent, PrintableId


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DataConfig(_Strict):
    dataset_id: str = Field(min_length=1, description="the training dataset (a registered dataset id)")
    batch_size: int = Field(ge=1, description="samples per training batch")
    shuffle: bool = Field(description="shuffle the rows (a new order each epoch)")
    data_format: Literal["instruct", "dialog"] = Field(
        description="instruct: input/output or question/answer columns; dialog: a messages column"
    )
    validation_dataset_id: str | None = Field(default=None, description="default: validate on training rows")
    packed: bool | None = Field(default=False, description="pack several samples into one sequence")
    train_on_input: bool | None = Field(
        default=False, description="compute the loss on prompts too (default: on the completion only)"
    )


class OptimizerConfig(_Strict):
    optimizer_type: Literal["adam", "adamw", "sgd"]
    lr: float = Field(gt=0, description="peak learning rate")
    weight_decay: float = Field(ge=0)
    num_warmup_steps: int = Field(ge=0, description="linear learning-rate warm-up steps")


class EfficiencyConfig(_Strict):
    enable_activation_checkpointing: bool | None = False
    enable_activation_offloading: bool | None = False
    memory_efficient_fsdp_wrap: bool | None = False
    fsdp_cpu_offload: bool | None = False


class TrainingConfig(_Strict):
    n_epochs: int = Field(ge=1)
    max_steps_per_epoch: int = Field(default=1, ge=1, description="optimizer steps per epoch at most")
    gradient_accumulation_steps: int = Field(default=1, ge=1)
    max_validation_steps: int | None = Field(default=1, ge=1, description="validation batches per epoch at most")
    data_config: DataConfig | None = None
    optimizer_config: OptimizerConfig | None = None
    efficiency_config: EfficiencyConfig | None = None
    dtype: str | None = Field(default="bf16", description="bf16, fp16 or fp32; CPUs without bf16 train in fp32")


class LoraFinetuningConfig(_Strict):
    type: Literal["LoRA"] = "LoRA"
    lora_attn_modules: list[str] = Field(description="attention projections to adapt, e.g. ['q_proj', 'v_proj']")
    apply_lora_to_mlp: bool
    apply_lora_to_output: bool
    rank: int = Field(ge=1)
    alpha: int = Field(ge=1)
    use_dora: bool | None = Field(default=False, description="DoRA: weight-decomposed low-rank adaptation")
    quantize_base: bool | None = Field(default=False, description="QLoRA: 4-bit NF4 base weights")


class QatFinetuningConfig(_Strict):
    type: Literal["QAT"] = "QAT"
    quantizer_name: str
    group_size: int = Field(ge=1)


AlgorithmConfig = Annotated[LoraFinetuningConfig | QatFinetuningConfig, Field(discriminator="type")]


class SupervisedFineTuneRequest(_Strict):
    job_uuid: PathComponent = Field(min_length=1, description="the id of the job to create (it names its directory)")
    training_config: TrainingConfig
    hyperparam_search_config: dict[str, Any] = Field(default_factory=dict)
    logger_config: dict[str, Any] = Field(default_factory=dict)
    model: PrintableId | None = Field(default=None, description="a registered model id or a local HF model directory")
    checkpoint_dir: PrintableId | None = Field(
        default=None, description="where checkpoints go, under a directory the stack allows; default: the provider's"
    )
    algorithm_config: AlgorithmConfig | None = Field(default=None, description="LoRA / DoRA / QLoRA; none: full")


class DPOAlignmentConfig(_Strict):
    beta: float = Field(gt=0, description="temperature of the DPO loss")
    loss_type: Literal["sigmoid", "hinge", "ipo", "kto_pair"] = "sigmoid"


class PreferenceOptimizeRequest(_Strict):
    job_uuid: PathComponent = Field(min_length=1, description="the id of the job to create (it names its directory)")
    finetuned_model: PrintableId = Field(min_length=1, description="the model to align: registered id or HF directory")
    algorithm_config: DPOAlignmentConfig
    training_config: TrainingConfig
    hyperparam_search_config: dict[str, Any] = Field(default_factory=dict)
    logger_config: dict[str, Any] = Field(default_factory=dict)
    checkpoint_dir: PrintableId | None = Field(default=None, description="as in supervised fine-tuning")


class PostTrainingJob(BaseModel):
    job_uuid: str


class JobRequest(_Strict):
    """The query (or body) naming one job."""

    job_uuid: str = Field(min_length=1)


class ListPostTrainingJobsResponse(BaseModel):
    data: list[PostTrainingJob]


class TrainingMetrics(BaseModel):
    epoch: int
    train_loss: float
    validation_loss: float
    perplexity: float = Field(description="exp(validation_loss)")


class Checkpoint(BaseModel):
    identifier: str
    created_at: datetime
    epoch: int
    post_training_job_id: str
    path: str = Field(description="directory of the safetensors weights (an adapter, or full weights)")
    training_metrics: TrainingMetrics | None = None


JobStatusName = Literal["completed", "in_progress", "failed", "scheduled", "cancelled"]


class ServedModel(BaseModel):
    """What became of the trained weights after the job: a model clients can chat with, or why not."""

    state: Literal["registering", "served", "not_served"] = Field(
        description="registering: the job completed and the model is being loaded for serving"
    )
    model_id: str | None = Field(default=None, description="the registered model id, once served")
    provider_id: str | None = None
    error: str | None = Field(default=None, description="why the result is not served")


class JobStatusResponse(BaseModel):
    job_uuid: str
    status: JobStatusName
    scheduled_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    resources_allocated: dict[str, Any] | None = None
    checkpoints: list[Checkpoint] = Field(default_factory=list)
    progress: dict[str, Any] = Field(default_factory=dict, description="latest: step, loss, tokens/s, ETA, ...")
    error: str | None = Field(default=None, description="why the job failed")
    served_model: ServedModel | None = None


class JobArtifactsResponse(BaseModel):
    job_uuid: str
    checkpoints: list[Checkpoint]
    served_model: ServedModel | None = Field(default=None, description="the model registered from the result")


class JobLogsParams(_Strict):
    """The query of GET /job/logs: pages of log lines, or a live SSE stream with ``follow``."""

    job_uuid: str = Field(min_length=1)
    offset: int = Field(default=0, ge=0, description="first line (0-based)")
    limit: int | None = Field(default=None, ge=1, description="lines per page; default all")
    follow: bool = Field(default=False, description="stream lines over SSE until the job finishes")


class JobLogLine(BaseModel):
    seq: int
    time: datetime
    line: str


class JobLogsResponse(BaseModel):
    job_uuid: str
    status: JobStatusName
    data: list[JobLogLine]
    next_offset: int = Field(description="the offset to ask for next")
