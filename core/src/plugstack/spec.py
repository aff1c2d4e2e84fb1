"""What a plugin hands to the core: provider and distribution specs.

Specs are plain data. The factory is imported lazily by the plugin's own module, so
registering a provider never imports torch, vllm or any other heavy dependency.
"""

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from plugstack.apis.names import Api

ProviderFactory = Callable[[Any, "ProviderContext"], Awaitable[Any]]


class ProviderSpec(BaseModel):
    """One provider type: which API it implements, how to configure and build it."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    api: Api
    provider_type: str = Field(description="'inline::name' (in-process) or 'remote::name' (a service)")
    config_class: type[BaseModel] = Field(description="pydantic model of the provider's `config`")
    factory: ProviderFactory = Field(description="async (config, context) -> provider instance")
    api_dependencies: tuple[Api, ...] = ()
    optional_api_dependencies: tuple[Api, ...] = ()
    pip_packages: tuple[str, ...] = Field(default=(), description="packages the factory imports")
    install_hint: str | None = None
    description: str = ""

    @field_validator("provider_type")
    @classmethod
    def _namespaced(cls, value: str) -> str:
        kind, sep, name = value.partition("::")
        if not sep or kind not in ("inline", "remote") or not name:
            raise ValueError(f"provider_type must look like 'inline::name' or 'remote::name', got {value!r}")
        return value


class DistributionSpec(BaseModel):
    """A named distribution: a run.yaml shipped inside a package."""

    model_config = ConfigDict(frozen=True)

    name: str
    run_config: Path
    description: str = ""


class ProviderContext(BaseModel):
    """Everything the core hands a provider factory besides its config."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    provider_id: str
    deps: dict[Api, Any] = Field(description="routers of the APIs this provider depends on")
    kv: Any = Field(description="a KVStore namespaced to this provider")
    state_dir: Path = Field(description="a directory this provider may write to")
    stack_state_dir: Path = Field(description="the stack's state directory (the providers' own lie under it)")
    jobs: Any = Field(description="the stack's JobManager")
    registry: Any = Field(description="the stack's ResourceRegistry (routing tables)")
