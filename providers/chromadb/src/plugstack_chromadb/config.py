"""run.yaml `config` of `remote::chromadb`."""

from urllib.parse import urlsplit

from pydantic import ConfigDict, Field, field_validator

from plugstack.apis.vector_io.settings import VectorStoreSettings


class ChromaConfig(VectorStoreSettings):
    """A Chroma server (`chroma run --path DIR --port P`, or any Chroma deployment's HTTP API)."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(default="http://localhost:8000", description="the Chroma server: http(s)://host[:port]")
    headers: dict[str, str] = Field(default_factory=dict, description="sent with every request, e.g. an auth token")
    tenant: str = Field(default="default_tenant", min_length=1)
    database: str = Field(default="default_database", min_length=1)
    timeout_s: float = Field(default=60.0, gt=0, description="the longest a single call to Chroma may take")
    collection_prefix: str = Field(
        default="plugstack-",
        description="names this stack's collections; at start-up the stack drops those of its prefix that "
        "no store of its own uses, so give each stack sharing a database its own prefix",
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path.strip("/"):
            raise ValueError(f"expected http(s)://host[:port] of a Chroma server, got {value!r}")
        return value

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def ssl(self) -> bool:
        return urlsplit(self.url).scheme == "https"

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or (443 if self.ssl else 8000)
