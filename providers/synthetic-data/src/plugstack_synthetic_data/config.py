"""The provider's run.yaml `config` section."""

from pydantic import BaseModel, ConfigDict, Field


class SyntheticDataConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default_model: str | None = Field(default=None, description="the generator when a request names no model")
    default_reward_model: str | None = Field(
        default=None, description="the reward model when a request has no reward_scoring config"
    )
    max_concurrency: int = Field(
        default=4, ge=1, le=256, description="dialogs whose candidates are being generated at once"
    )
    chunk_dialogs: int = Field(
        default=8, ge=1, description="dialogs generated, then scored in one reward request, between progress reports"
    )
