"""Shields, shield runs and moderations: the shapes llama-stack-client 0.3.5 and openai send and parse."""

import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from plugstack.apis.inference.models import ChatMessage
from plugstack.apis.safety.levels import ViolationLevel
from plugstack.registry.resources import Resource

OnFailure = Literal["error", "block", "allow"]
ON_FAILURE_PARAM = "on_failure"


class Shield(Resource):
    """A registered shield: one provider's check, with its parameters."""

    type: Literal["shield"] = "shield"
    params: dict[str, Any] | None = Field(
        default=None,
        description=f"provider parameters; ``{ON_FAILURE_PARAM}`` (error | block | allow) says what a failing "
        "check does: a 503 (default), an error-level violation, or a pass noted as an info-level violation",
    )


class RegisterShieldRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    shield_id: str = Field(min_length=1, description="the id clients use")
    provider_id: str | None = Field(default=None, description="default: the only safety provider")
    provider_shield_id: str | None = Field(
        default=None, description="the id inside the provider (llama-guard: the guard model); default: shield_id"
    )
    params: dict[str, Any] | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class ListShieldsResponse(BaseModel):
    data: list[Shield]


class SafetyViolation(BaseModel):
    violation_level: ViolationLevel
    user_message: str | None = Field(default=None, description="what to tell the user instead of an answer")
    metadata: dict[str, Any] = Field(default_factory=dict, description="e.g. violation_type: the categories hit")


class RunShieldRequest(BaseModel):
    shield_id: str = Field(min_length=1)
    messages: list[ChatMessage] = Field(min_length=1, description="OpenAI chat messages to check")
    params: dict[str, Any] = Field(default_factory=dict, description="per-call parameters, over the shield's own")


class RunShieldResponse(BaseModel):
    violation: SafetyViolation | None = None


class ModerationRequest(BaseModel):
    input: str | list[str] = Field(description="text(s) to classify")
    model: str | None = Field(
        default=None, description="the shield: its provider_shield_id or shield id; default: the only shield"
    )

    def texts(self) -> list[str]:
        return [self.input] if isinstance(self.input, str) else list(self.input)


class ModerationResult(BaseModel):
    flagged: bool
    categories: dict[str, bool] = Field(default_factory=dict)
    category_scores: dict[str, float] = Field(default_factory=dict)
    category_applied_input_types: dict[str, list[str]] = Field(default_factory=dict)
    user_message: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class ModerationResponse(BaseModel):
    id: str = Field(default_factory=lambda: f"modr-{uuid.uuid4().hex}")
    model: str
    results: list[ModerationResult]
