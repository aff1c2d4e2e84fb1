"""A plugin used by the core tests: strict configs, dependencies, and providers that fail."""

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr

from plugstack.apis.names import Api
from plugstack.hookspecs import hookimpl
from plugstack.spec import ProviderContext, ProviderSpec


class RemoteConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: HttpUrl
    api_token: SecretStr | None = None
    timeout: float = Field(default=30, gt=0)


class EmptyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Recorder(BaseModel):
    """A provider object that remembers what the core handed its factory."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    context: ProviderContext


async def unreachable(config: RemoteConfig, context: ProviderContext) -> Any:
    raise ConnectionError(f"cannot connect to {config.url}")


async def record(config: EmptyConfig, context: ProviderContext) -> Recorder:
    return Recorder(context=context)


async def needs_missing_package(config: EmptyConfig, context: ProviderContext) -> Any:
    import plugstack_no_such_engine  # type: ignore[import-not-found]  # noqa: F401


@hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    register(
        ProviderSpec(
            api=Api.inference,
            provider_type="remote::unreachable",
            config_class=RemoteConfig,
            factory=unreachable,
            description="a backend that is always down",
        )
    )
    register(
        ProviderSpec(
            api=Api.datasetio,
            provider_type="inline::needs-inference",
            config_class=RemoteConfig,
            factory=unreachable,
            api_dependencies=(Api.inference,),
        )
    )
    register(
        ProviderSpec(api=Api.inference, provider_type="inline::recorder", config_class=EmptyConfig, factory=record)
    )
    register(
        ProviderSpec(
            api=Api.datasetio,
            provider_type="inline::dependent-recorder",
            config_class=EmptyConfig,
            factory=record,
            api_dependencies=(Api.inference,),
        )
    )
    register(
        ProviderSpec(
            api=Api.inference,
            provider_type="inline::missing-engine",
            config_class=EmptyConfig,
            factory=needs_missing_package,
            pip_packages=("plugstack-no-such-engine",),
            install_hint="pip install plugstack-provider-missing",
        )
    )
