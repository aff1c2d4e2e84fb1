"""The run.yaml schema. Strict: an unknown key is an error, never silently ignored.

``version`` is the schema version. A file written for an older version is migrated (see
``MIGRATIONS``), one written for a newer one is refused with a clear message.
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from plugstack.apis.names import Api

CURRENT_VERSION = 1
DEFAULT_PORT = 8321


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProviderEntry(StrictModel):
    """One provider instance bound to an API."""

    provider_id: str = Field(min_length=1, description="unique name of this instance in the stack")
    provider_type: str = Field(description="'inline::name' or 'remote::name', as registered by a plugin")
    config: dict[str, Any] = Field(default_factory=dict, description="validated by the provider's config class")
    module: str | None = Field(default=None, description="pin: the package that must provide provider_type")


class SqliteBackendConfig(StrictModel):
    type: Literal["sqlite"] = "sqlite"
    path: str = Field(description="database file; relative paths are under the state directory")


class PostgresBackendConfig(StrictModel):
    """A PostgreSQL database, by DSN or by its parts (each may be ``${env.…}``); several
    servers may share it."""

    type: Literal["postgres"]
    dsn: SecretStr | None = Field(
        default=None, description="libpq connection string or URI: 'postgresql://user:pw@host:5432/db'"
    )
    host: str | None = Field(default=None, description="host name, IP address or unix socket directory")
    port: int = Field(default=5432, ge=1, le=65535)
    db: str | None = Field(default=None, description="database name")
    user: str | None = None
    password: SecretStr | None = None
    pool_min_size: int = Field(default=1, ge=0, description="connections kept open")
    pool_max_size: int = Field(default=10, ge=1, description="most connections this server opens")
    connect_timeout_s: float = Field(default=10.0, gt=0, description="to connect, and to wait for a free connection")

    @model_validator(mode="after")
    def _one_way_to_connect(self) -> "PostgresBackendConfig":
        parts = {"host": self.host, "db": self.db, "user": self.user, "password": self.password}
        given = sorted(key for key, value in parts.items() if value is not None)
        if self.dsn is not None and given:
            raise ValueError(f"give either dsn or host/db/user/password, not both (found dsn and {', '.join(given)})")
        if self.dsn is None and (self.host is None or self.db is None):
            raise ValueError("give dsn, or host and db (with user and password as the server needs)")
        if self.pool_min_size > self.pool_max_size:
            raise ValueError("pool_min_size is larger than pool_max_size")
        return self


BackendConfig = Annotated[SqliteBackendConfig | PostgresBackendConfig, Field(discriminator="type")]


class StorageConfig(StrictModel):
    """Named backends, and which backend each part of the stack stores its state in."""

    state_dir: str | None = Field(
        default=None,
        description="files (database, checkpoints, caches); "
        "default $PLUGSTACK_STATE_DIR, else ~/.plugstack/<distribution>",
    )
    backends: dict[str, BackendConfig] = Field(
        default_factory=lambda: {"default": SqliteBackendConfig(path="plugstack.db")}
    )
    registry: str = Field(default="default", description="backend of the resource registry")
    jobs: str = Field(default="default", description="backend of the job table")
    providers: str = Field(default="default", description="backend of providers' key-value state")


class CorsConfig(StrictModel):
    allow_origins: list[str] = Field(min_length=1)
    allow_methods: list[str] = Field(default_factory=lambda: ["*"])
    allow_headers: list[str] = Field(default_factory=lambda: ["*"])
    allow_credentials: bool = False


class TlsConfig(StrictModel):
    certfile: str
    keyfile: str


class AuthConfig(StrictModel):
    api_keys: list[SecretStr] = Field(min_length=1, description="accepted 'Authorization: Bearer' tokens")


class QuotaConfig(StrictModel):
    requests_per_minute: int = Field(gt=0, description="per client (API key, or address without auth)")


MIB = 1024 * 1024


class ServerConfig(StrictModel):
    host: str = "127.0.0.1"
    port: int = Field(default=DEFAULT_PORT, ge=1, le=65535)
    cors: CorsConfig | None = None
    tls: TlsConfig | None = None
    auth: AuthConfig | None = None
    quota: QuotaConfig | None = None
    max_request_bytes: int = Field(
        default=16 * MIB, ge=1024, description="largest request body (413 beyond), multipart uploads aside"
    )
    max_upload_bytes: int = Field(
        default=1024 * MIB, ge=1024, description="largest multipart upload body (files), 413 beyond"
    )
    max_json_depth: int = Field(default=64, ge=8, le=512, description="deepest nesting of a JSON body (400 beyond)")
    http: Literal["auto", "h11", "httptools"] = Field(
        default="auto", description="uvicorn's HTTP/1.1 parser; auto: httptools when installed (faster), else h11"
    )
    loop: Literal["auto", "asyncio", "uvloop"] = Field(
        default="auto", description="event loop; auto: uvloop when installed (faster), else asyncio"
    )


class RunConfig(StrictModel):
    version: int = Field(description=f"schema version; this plugstack reads up to {CURRENT_VERSION}")
    distribution: str = Field(min_length=1, description="name of the distribution this file describes")
    apis: list[Api] = Field(description="the APIs to serve")
    providers: dict[Api, list[ProviderEntry]] = Field(default_factory=dict)
    storage: StorageConfig = Field(default_factory=StorageConfig)
    registered_resources: dict[str, list[dict[str, Any]]] = Field(
        default_factory=dict, description="resources registered at start-up, by kind (models, datasets, ...)"
    )
    server: ServerConfig = Field(default_factory=ServerConfig)

    def provider_entries(self) -> list[tuple[Api, int, ProviderEntry]]:
        return [(api, index, entry) for api, entries in self.providers.items() for index, entry in enumerate(entries)]
