"""The providers' run.yaml `config` sections."""

from pydantic import BaseModel, ConfigDict, Field


class BasicScoringConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LLMAsJudgeConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_concurrency: int = Field(default=4, ge=1, le=64, description="judge calls in flight per scoring request")
    max_tokens: int = Field(default=64, ge=1, description="longest judge reply, in tokens")


class EvalConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_concurrency: int = Field(
        default=4, ge=1, le=64, description="generations in flight per evaluation (1: one row at a time)"
    )
