"""run.yaml `config` sections of the vLLM providers."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from plugstack.remote.config import RemoteInferenceConfig


class VLLMRemoteConfig(RemoteInferenceConfig):
    """A vLLM server (`vllm serve ...`): its OpenAI API, token, TLS, timeouts, retries, discovery."""

    url: str = Field(
        default="http://localhost:8000/v1",
        description="base URL of the vLLM server's OpenAI API (`/v1` is appended when missing)",
    )


class VLLMInlineConfig(BaseModel):
    """vLLM's engine in this process. Fields mirror vLLM's engine arguments of the same name;
    anything else vLLM accepts goes in ``engine_args``."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    model: str = Field(min_length=1, description="a local model directory (or a model id vLLM can resolve offline)")
    served_model_name: str | None = Field(default=None, description="the id the model is served under; default `model`")
    dtype: str = Field(default="auto", description="weights dtype: auto, float16, bfloat16, float32")
    max_model_len: int | None = Field(default=None, ge=1, description="context length; default the model's")
    gpu_memory_utilization: float = Field(default=0.9, gt=0, le=1)
    tensor_parallel_size: int = Field(default=1, ge=1, description="devices each layer is split across")
    pipeline_parallel_size: int = Field(default=1, ge=1, description="stages the layers are split into")
    data_parallel_size: int = Field(default=1, ge=1, description="engine replicas, each taking its share of requests")
    distributed_executor_backend: Literal["mp", "ray"] | None = Field(
        default=None,
        description="how the engine's workers run: `mp` (processes on this machine) or `ray` "
        "(a Ray cluster, for more devices than one machine has); default vLLM's choice",
    )
    enforce_eager: bool = Field(default=False, description="no CUDA graphs: faster start, slower decode")
    lora_adapters: dict[str, str] = Field(
        default_factory=dict, description="LoRA adapters to serve, name -> adapter directory (enables LoRA)"
    )
    enable_lora: bool = Field(
        default=False, description="accept LoRA adapters registered later (implied by lora_adapters)"
    )
    max_lora_rank: int = Field(default=16, ge=1)
    max_loras: int = Field(default=4, ge=1, description="adapters resident at once")
    default_max_tokens: int = Field(default=512, ge=1, description="completion length when a request sets none")
    engine_args: dict[str, Any] = Field(default_factory=dict, description="further vLLM AsyncEngineArgs, verbatim")

    @field_validator("engine_args")
    @classmethod
    def _no_second_value(cls, engine_args: dict[str, Any]) -> dict[str, Any]:
        named = sorted(set(engine_args) & set(cls.model_fields))
        if named:
            raise ValueError(f"{', '.join(named)}: set as field(s) of this config, not in engine_args")
        return engine_args

    @property
    def world_size(self) -> int:
        """Devices (GPUs, or CPU NUMA nodes) the engine occupies: one per worker."""
        return self.tensor_parallel_size * self.pipeline_parallel_size * self.data_parallel_size

    @property
    def model_id(self) -> str:
        return self.served_model_name or self.model

    @property
    def lora_enabled(self) -> bool:
        return self.enable_lora or bool(self.lora_adapters)
