"""The entry point: registers `inline::markov` for the inference API.

This module is imported by every `plugstack` command, so it stays light: the provider
itself is imported only when a stack builds it.
"""

from collections.abc import Callable
from typing import Any

from plugstack.apis.names import Api
from plugstack.hookspecs import hookimpl
from plugstack.spec import ProviderContext, ProviderSpec
from plugstack_markov.config import MarkovConfig


async def create(config: MarkovConfig, context: ProviderContext) -> Any:
    from plugstack_markov.provider import MarkovInference

    return MarkovInference.from_config(config)


@hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    register(
        ProviderSpec(
            api=Api.inference,
            provider_type="inline::markov",
            config_class=MarkovConfig,
            factory=create,
            description="Text from a word-level Markov chain trained on a corpus file",
        )
    )
