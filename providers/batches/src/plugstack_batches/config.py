"""The provider's run.yaml `config` section."""

from pydantic import BaseModel, ConfigDict, Field


class BatchesConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_concurrency: int = Field(
        default=4, ge=1, le=256, description="lines of one batch in flight at once through the inference router"
    )
    max_lines: int = Field(default=50_000, ge=1, description="most requests one input file may hold")
