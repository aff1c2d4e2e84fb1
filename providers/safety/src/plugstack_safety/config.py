"""The providers' run.yaml `config` sections."""

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from plugstack.apis.safety.levels import ViolationLevel

Detector = Literal["email", "credit_card", "iban", "secret_key"]


class LlamaGuardConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    excluded_categories: list[str] = Field(
        default_factory=list, description="Llama Guard codes (S1..S14) never reported, e.g. [S6, S8]"
    )
    max_tokens: int = Field(default=24, ge=4, description="room for the verdict: 'unsafe' plus its codes")
    user_message: str = Field(
        default="I can't answer that. Can I help with something else?",
        description="what an unsafe verdict tells the user",
    )

    @field_validator("excluded_categories")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        wrong = [code for code in value if not re.fullmatch(r"S(?:[1-9]|1[0-4])", code)]
        if wrong:
            raise ValueError(f"not Llama Guard category codes (S1..S14): {', '.join(wrong)}")
        return value


class DenyPattern(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: str = Field(min_length=1, description="reported in violation_type and moderation categories")
    pattern: str = Field(min_length=1, description="a Python regular expression, searched case-insensitively")
    violation_level: ViolationLevel = "error"
    user_message: str | None = Field(default=None, description="default: the provider's user_message")

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        return value


class RegexShieldConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    patterns: list[DenyPattern] = Field(default_factory=list, description="operator-defined deny patterns")
    detectors: list[Detector] = Field(
        default_factory=lambda: ["email", "credit_card", "iban", "secret_key"],
        description="built-in PII detectors (card numbers pass a Luhn check, IBANs their mod-97 check)",
    )
    detector_level: ViolationLevel = Field(default="error", description="violation level of a detector hit")
    user_message: str = Field(
        default="Sorry, this message contains content that is not allowed here.",
        description="what a violation tells the user",
    )
