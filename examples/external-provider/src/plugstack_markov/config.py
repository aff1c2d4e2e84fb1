"""The provider's run.yaml `config` section."""

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class MarkovConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    corpus: Path | None = Field(default=None, description="training text; default: the bundled corpus")
    order: int = Field(default=2, ge=1, le=4, description="words of context per step")
