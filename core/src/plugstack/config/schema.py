"""The run.yaml schema. Strict: an unknown key is an error, never silently ignored.

``version`` is the schema version. A file written for an older version is migrated (see
``MIGRATIONS``), one written for a newer one is refused with a clear message.
"""

import hashlib
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from plugstack.access.policy import AccessRule
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


class JobResources(StrictModel):
    """What one job asks a Ray cluster for; the job waits until a node has it free."""

    num_cpus: float = Field(default=1, ge=0, description="CPUs reserved for the job")
    num_gpus: float = Field(default=0, ge=0, description="GPUs reserved for the job (fractions share one)")


class RayRunnerConfig(StrictModel):
    address: str = Field(min_length=1, description="the cluster's address as `ray start --head` prints it: 'host:port'")
    namespace: str = Field(
        default="plugstack", min_length=1, description="Ray namespace of the job actors: one per shared job table"
    )
    default_resources: JobResources = Field(default_factory=JobResources, description="for kinds not in resources")
    resources: dict[str, JobResources] = Field(
        default_factory=dict, description="by job kind ('post_training', 'eval', ...): what each job asks for"
    )
    stack_url: str | None = Field(
        default=None,
        pattern=r"^https?://",
        description="where jobs on the cluster reach the stack's HTTP API (eval jobs generate through it): "
        "the load balancer in front of several servers; default this server's own address",
    )


class JobsConfig(StrictModel):
    """Where child-process jobs (post-training) run: child processes of the server, or a Ray cluster."""

    runner: Literal["local", "ray"] = Field(default="local", description="'local' child processes, or 'ray'")
    ray: RayRunnerConfig | None = Field(default=None, description="the cluster, when runner is 'ray'")

    @model_validator(mode="after")
    def _ray_settings_with_ray(self) -> "JobsConfig":
        if self.runner == "ray" and self.ray is None:
            raise ValueError("runner 'ray' needs jobs.ray with the cluster's address")
        if self.runner == "local" and self.ray is not None:
            raise ValueError("jobs.ray is set but jobs.runner is 'local': set runner: ray to use the cluster")
        return self


class CorsConfig(StrictModel):
    allow_origins: list[str] = Field(min_length=1)
    allow_methods: list[str] = Field(default_factory=lambda: ["*"])
    allow_headers: list[str] = Field(default_factory=lambda: ["*"])
    allow_credentials: bool = False


class TlsConfig(StrictModel):
    certfile: str
    keyfile: str


class ApiKeyConfig(StrictModel):
    """A key with the principal it stands for and that principal's attributes."""

    key: SecretStr = Field(description="the 'Authorization: Bearer' token")
    principal: str = Field(
        default="", description="who the key is: the name owners and policy rules use; default 'key-<hash of key>'"
    )
    attributes: dict[str, list[str]] = Field(
        default_factory=dict, description="what policy conditions match, e.g. {roles: [admin], teams: [ml]}"
    )

    @model_validator(mode="after")
    def _named(self) -> "ApiKeyConfig":
        if not self.key.get_secret_value().strip():
            raise ValueError("the key is empty (is its ${env.…} variable set?)")
        if not self.principal:
            self.principal = "key-" + hashlib.sha256(self.key.get_secret_value().encode()).hexdigest()[:12]
        return self


class AuthThrottleConfig(StrictModel):
    max_failures: int = Field(default=20, ge=1, description="failed authentications per client address ...")
    window_s: float = Field(default=60.0, gt=0, description="... within this many seconds, then 429 until it passes")


class AuthConfig(StrictModel):
    api_keys: list[ApiKeyConfig] = Field(
        min_length=1, description="accepted 'Authorization: Bearer' tokens; a plain key is its own principal"
    )
    throttle: AuthThrottleConfig = Field(default_factory=AuthThrottleConfig)

    @field_validator("api_keys", mode="before")
    @classmethod
    def _plain_keys(cls, value: Any) -> Any:
        """A plain string is a key whose principal is named after it (as before principals existed)."""
        if not isinstance(value, list):
            return value
        return [{"key": item} if isinstance(item, str) else item for item in value]


class QuotaConfig(StrictModel):
    requests_per_minute: int = Field(gt=0, description="per client (API key, or address without auth)")


MIB = 1024 * 1024


class ServerConfig(StrictModel):
    host: str = "127.0.0.1"
    port: int = Field(default=DEFAULT_PORT, ge=1, le=65535)
    cors: CorsConfig | None = None
    tls: TlsConfig | None = None
    auth: AuthConfig | None = None
    access_policy: list[AccessRule] = Field(
        default_factory=list, description="with auth: who may do what to whose resources (docs/security.md)"
    )
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
    forwarded_allow_ips: list[str] = Field(
        default_factory=lambda: ["127.0.0.1"],
        min_length=1,
        description="proxies trusted to name the client in X-Forwarded-For (addresses, networks, or '*'): "
        "the auth throttle, quotas and the access log then see each client behind them",
    )
    access_log: bool = Field(
        default=True, description="a line per request on stdout (uvicorn's access log lines, written in 50 ms batches)"
    )

    @model_validator(mode="after")
    def _policy_needs_auth(self) -> "ServerConfig":
        if self.access_policy and self.auth is None:
            raise ValueError("access_policy needs server.auth: without keys every caller is the operator")
        return self


class RunConfig(StrictModel):
    version: int = Field(description=f"schema version; this plugstack reads up to {CURRENT_VERSION}")
    distribution: str = Field(min_length=1, description="name of the distribution this file describes")
    apis: list[Api] = Field(description="the APIs to serve")
    providers: dict[Api, list[ProviderEntry]] = Field(default_factory=dict)
    storage: StorageConfig = Field(default_factory=StorageConfig)
    jobs: JobsConfig = Field(default_factory=JobsConfig)
    registered_resources: dict[str, list[dict[str, Any]]] = Field(
        default_factory=dict, description="resources registered at start-up, by kind (models, datasets, ...)"
    )
    server: ServerConfig = Field(default_factory=ServerConfig)

    def provider_entries(self) -> list[tuple[Api, int, ProviderEntry]]:
        return [(api, index, entry) for api, entries in self.providers.items() for index, entry in enumerate(entries)]
