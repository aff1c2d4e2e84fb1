"""The entry point: registers `inline::reference` for the synthetic data generation API.

Imported by every `plugstack` command, so it stays light: the provider module is imported only
when a stack builds it.
"""

from collections.abc import Callable
from typing import Any

from plugstack.apis.names import Api
from plugstack.hookspecs import hookimpl
from plugstack.spec import ProviderContext, ProviderSpec
from plugstack_synthetic_data.config import SyntheticDataConfig


async def create(config: SyntheticDataConfig, context: ProviderContext) -> Any:
    from plugstack_synthetic_data.provider import ReferenceSyntheticData

    deps = context.deps
    return ReferenceSyntheticData(
        config,
        deps[Api.inference],
        deps[Api.reward_scoring],
        deps.get(Api.datasetio),
        context.registry,
        context.jobs,
    )


@hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    register(
        ProviderSpec(
            api=Api.synthetic_data_generation,
            provider_type="inline::reference",
            config_class=SyntheticDataConfig,
            factory=create,
            api_dependencies=(Api.inference, Api.reward_scoring),
            optional_api_dependencies=(Api.datasetio,),
            description="k candidates per dialog, scored by a reward model, filtered, saved as SFT or DPO data",
        )
    )
