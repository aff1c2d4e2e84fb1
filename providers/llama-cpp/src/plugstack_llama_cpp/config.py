"""The provider's run.yaml `config` section."""

from pydantic import BaseModel, ConfigDict, Field


class GgufModelConfig(BaseModel):
    """A GGUF file served under a provider model id (a model's `provider_model_id`)."""

    model_config = ConfigDict(extra="forbid")

    model_id: str = Field(min_length=1, description="the provider model id registered models refer to")
    gguf: str = Field(
        min_length=1,
        description="path to the .gguf file, or pkg://<package>/<file> for a file shipped inside a Python package",
    )
    n_ctx: int | None = Field(default=None, ge=64, description="context length; default: the provider's n_ctx")
    chat_template: str | None = Field(default=None, description="Jinja chat template; default: the one inside the GGUF")


class LlamaCppConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    models: list[GgufModelConfig] = Field(
        default_factory=list,
        description="GGUF models by provider model id; a model registered with metadata `gguf` needs no entry",
    )
    n_ctx: int = Field(default=4096, ge=64, description="default context length in tokens")
    n_batch: int = Field(default=512, ge=1, description="prompt tokens evaluated per llama.cpp batch")
    n_threads: int | None = Field(default=None, ge=1, description="CPU threads per model; default: physical cores")
    verify_engine: bool = Field(
        default=True,
        description="before loading a model, run a short decode in a child process, so an engine that crashes on "
        "this CPU is reported (signal, CPU features) instead of killing the server; a pass is remembered per "
        "engine build, model file and CPU",
    )
    max_queue: int = Field(
        default=64, ge=1, description="requests waiting or running per model before new ones get 429"
    )
