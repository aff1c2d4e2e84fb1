"""The run.yaml settings of remote OpenAI-compatible providers.

Apart from the client, the balancer and the adapter that use them, so that a provider's config
module (imported with every plugin, whenever a stack starts) pulls in pydantic only: not
aiohttp nor the inference models, which a stack without remote providers never needs.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

MAX_RETRY_S = 60.0


class BackendsConfig(BaseModel):
    """Where the backend is: ``url`` for one server, ``urls`` for replicas serving the same models."""

    url: str = Field(description="base URL of the server's OpenAI API")
    urls: list[str] | None = Field(
        default=None,
        min_length=1,
        description="several replicas (instead of `url`): each request goes to the one with the fewest "
        "requests in flight; a list, or one string of comma-separated URLs",
    )
    backend_retry_s: float = Field(
        default=5.0,
        gt=0,
        description="seconds a replica that refused a connection is left out before it is probed again "
        f"(doubles while it stays down, up to {MAX_RETRY_S:g} s)",
    )

    @model_validator(mode="before")
    @classmethod
    def _one_or_several(cls, data: Any) -> Any:
        """``urls`` replaces ``url``; its first entry becomes ``url`` for whatever reads that."""
        if not isinstance(data, dict) or data.get("urls") is None:
            return data
        if "url" in data:
            raise ValueError("set `url` (one backend) or `urls` (several replicas), not both")
        urls = data["urls"]
        if isinstance(urls, str):
            urls = [part.strip() for part in urls.split(",") if part.strip()]
        first = urls[0] if isinstance(urls, list) and urls else ""
        return {**data, "urls": urls, "url": first}

    @field_validator("urls")
    @classmethod
    def _distinct(cls, urls: list[str] | None) -> list[str] | None:
        seen: set[str] = set()
        for url in urls or []:
            key = url.rstrip("/").removesuffix("/v1")
            if key in seen:
                raise ValueError(f"{url!r} is listed twice")
            seen.add(key)
        return urls

    def backend_urls(self) -> list[str]:
        return self.urls or [self.url]


class RemoteEndpointConfig(BackendsConfig):
    """Where an OpenAI-compatible server is and how to talk to it (a remote provider's config)."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        description="base URL of the server's OpenAI API, e.g. http://localhost:8000/v1 "
        "(`/v1` is appended when the path does not already end with it)"
    )
    api_token: SecretStr | None = Field(default=None, description="sent as 'Authorization: Bearer <token>'")
    tls_verify: bool | str = Field(default=True, description="verify TLS certificates; or the path of a CA bundle")
    connect_timeout_s: float = Field(default=5.0, gt=0, description="seconds to open a connection")
    request_timeout_s: float = Field(
        default=600.0, gt=0, description="seconds to wait for the backend's next bytes (long generations)"
    )
    max_retries: int = Field(
        default=2, ge=0, le=10, description="retries after a connection failure or a 5xx (streams: connection only)"
    )
    retry_backoff_s: float = Field(default=0.25, ge=0, description="first retry delay; doubles on each retry")
    max_connections: int = Field(default=256, ge=1, description="size of the connection pool to the backend")


class RemoteInferenceConfig(RemoteEndpointConfig):
    """A remote inference backend: the endpoint plus how its models are discovered."""

    discover_models: bool = Field(default=True, description="serve every model the backend lists at /v1/models")
    discovery_interval_s: float = Field(
        default=30.0, ge=0, description="seconds between re-reading the backend's model list (0: only at start-up)"
    )
