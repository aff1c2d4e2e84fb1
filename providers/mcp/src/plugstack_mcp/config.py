"""The provider's run.yaml `config` section."""

from pydantic import BaseModel, ConfigDict, Field


class McpConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    list_timeout_s: float = Field(default=30.0, gt=0, description="connecting to a server and listing its tools")
    call_timeout_s: float = Field(default=120.0, gt=0, description="connecting to a server and one tool call")
    tools_cache_ttl_s: float = Field(
        default=300.0, ge=0, description="how long a group's tool list is reused (per set of credentials); 0: never"
    )
    session_idle_s: float = Field(
        default=120.0,
        ge=0,
        description="an open session per server and set of credentials is reused until idle this long; "
        "0: a new session (connect + initialize) for every request",
    )
    max_calls_per_session: int = Field(default=16, ge=1, description="concurrent requests on one session; more wait")
    max_sessions: int = Field(default=64, ge=1, description="open sessions kept; the least recently used idle one goes")
