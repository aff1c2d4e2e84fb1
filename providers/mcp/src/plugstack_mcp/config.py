"""The provider's run.yaml `config` section."""

from pydantic import BaseModel, ConfigDict, Field


class McpConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    list_timeout_s: float = Field(default=30.0, gt=0, description="connecting to a server and listing its tools")
    call_timeout_s: float = Field(default=120.0, gt=0, description="connecting to a server and one tool call")
    tools_cache_ttl_s: float = Field(
        default=300.0, ge=0, description="how long a group's tool list is reused (per set of credentials); 0: never"
    )
