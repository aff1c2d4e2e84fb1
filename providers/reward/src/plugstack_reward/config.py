"""The providers' run.yaml `config` sections, and the per-reward-model parameters of the judge."""

import string
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

JUDGE_PLACEHOLDERS = frozenset({"conversation", "response", "min_score", "max_score"})
MAX_SCALE_STEPS = 100  # the constrained reply enumerates every score of the scale

DEFAULT_JUDGE_PROMPT = """\
You are an impartial judge. Rate the reply below as the assistant's next message in the \
conversation: is it helpful, correct and on topic?

Conversation:
{conversation}

Reply to rate:
{response}

Rate the reply from {min_score} (worst) to {max_score} (best). Answer in JSON: {{"score": <integer>}}"""


class JudgeParams(BaseModel):
    """How one judge reward model scores; run.yaml's config sets the defaults, a reward model's
    ``params`` override them."""

    model_config = ConfigDict(extra="forbid")

    min_score: int = Field(default=0, description="the worst score; replies are clamped to the scale")
    max_score: int = Field(default=10, description="the best score")
    prompt_template: str = Field(
        default=DEFAULT_JUDGE_PROMPT,
        description="the judge's task; placeholders {conversation}, {response}, {min_score}, {max_score}",
    )

    @field_validator("prompt_template")
    @classmethod
    def _placeholders(cls, value: str) -> str:
        try:
            fields = {field for _, field, _, _ in string.Formatter().parse(value) if field is not None}
        except ValueError as exc:
            raise ValueError(f"not a format string: {exc}") from None
        unknown = sorted(fields - JUDGE_PLACEHOLDERS)
        if unknown:
            raise ValueError(f"unknown placeholders {unknown}; use {sorted(JUDGE_PLACEHOLDERS)}")
        if "response" not in fields:
            raise ValueError("the template must show the judge the {response} to rate")
        return value

    @model_validator(mode="after")
    def _scale(self) -> "JudgeParams":
        if not 0 < self.max_score - self.min_score <= MAX_SCALE_STEPS:
            raise ValueError(
                f"max_score must exceed min_score by 1 to {MAX_SCALE_STEPS}, got {self.min_score}..{self.max_score}"
            )
        return self


class JudgeConfig(JudgeParams):
    max_tokens: int = Field(default=16, ge=4, description='room for the reply {"score": n}')
    max_concurrency: int = Field(default=4, ge=1, le=64, description="judge calls in flight per scoring request")
    unparsable_score: float | None = Field(
        default=None,
        description="the score of a reply with no number in it (only engines without constrained decoding "
        "produce one); default: such a reply fails the request with a 502",
    )


class TransformersRewardConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device: str = Field(
        default="auto", description="torch device the models run on: auto (cuda when present, else cpu), cpu, cuda:1"
    )
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = Field(
        default="auto", description="weights dtype; auto: bfloat16 on CUDA (float16 before Ampere), float32 elsewhere"
    )
    batch_size: int = Field(default=8, ge=1, description="(dialog, generation) pairs per forward pass")
    max_length: int = Field(
        default=2048, ge=8, description="tokens per pair; longer pairs lose their start (the reply is kept)"
    )
    num_threads: int | None = Field(default=None, ge=1, description="torch intra-op threads; default torch's")
    max_queued_requests: int = Field(default=32, ge=1, description="requests waiting per model before new ones get 429")
