"""The entry point: registers `inline::reference` for the batches API.

Imported by every `plugstack` command, so it stays light: the provider module is imported only
when a stack builds it.
"""

from collections.abc import Callable
from typing import Any

from plugstack.apis.names import Api
from plugstack.hookspecs import hookimpl
from plugstack.spec import ProviderContext, ProviderSpec
from plugstack_batches.config import BatchesConfig


async def create(config: BatchesConfig, context: ProviderContext) -> Any:
    from plugstack_batches.provider import ReferenceBatches

    batches = ReferenceBatches(config, context.deps[Api.inference], context.deps[Api.files], context.kv)
    await batches.initialize()
    return batches


@hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    register(
        ProviderSpec(
            api=Api.batches,
            provider_type="inline::reference",
            config_class=BatchesConfig,
            factory=create,
            api_dependencies=(Api.inference, Api.files),
            description="OpenAI-compatible batches through the inference router; resumed after a restart",
        )
    )
