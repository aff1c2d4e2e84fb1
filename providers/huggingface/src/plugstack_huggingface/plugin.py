"""The entry point: registers `inline::huggingface` for the datasetio API.

Imported by every `plugstack` command, so it stays light: `datasets` (a second or so to
import) is loaded only when a stack builds the provider.
"""

from collections.abc import Callable
from typing import Any

from plugstack.apis.names import Api
from plugstack.hookspecs import hookimpl
from plugstack.spec import ProviderContext, ProviderSpec
from plugstack_huggingface.config import HuggingFaceConfig


async def create(config: HuggingFaceConfig, context: ProviderContext) -> Any:
    from plugstack_huggingface.provider import HuggingFaceDatasetIO

    return HuggingFaceDatasetIO(config, context.state_dir, config.readable_dirs(context.stack_state_dir))


@hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    register(
        ProviderSpec(
            api=Api.datasetio,
            provider_type="inline::huggingface",
            config_class=HuggingFaceConfig,
            factory=create,
            pip_packages=("datasets",),
            description="Datasets from the Hugging Face Hub, its local cache or a local dataset directory",
        )
    )
