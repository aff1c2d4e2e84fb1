"""A plugin used by the core tests: provider types with strict configs, one that fails to start."""

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


async def unreachable(config: RemoteConfig, context: ProviderContext) -> Any:
    raise ConnectionError(f"cannot connect to {config.url}")


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
