"""The provider's run.yaml `config` section."""

from pydantic import BaseModel, ConfigDict, Field


class CodeScannerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_message: str = Field(
        default="Sorry, I found security concerns in the code.", description="what a violation tells the user"
    )
