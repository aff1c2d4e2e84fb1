"""The entry point: registers `inline::transformers` for the inference API.

Imported by every `plugstack` command, so it stays light: torch, transformers and peft are
imported only when a stack builds this provider.
"""

from collections.abc import Callable
from typing import Any

from plugstack.apis.names import Api
from plugstack.hookspecs import hookimpl
from plugstack.spec import ProviderContext, ProviderSpec
from plugstack_transformers.config import TransformersConfig


async def create(config: TransformersConfig, context: ProviderContext) -> Any:
    from plugstack_transformers.provider import TransformersInference

    return TransformersInference(config)


@hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    register(
        ProviderSpec(
            api=Api.inference,
            provider_type="inline::transformers",
            config_class=TransformersConfig,
            factory=create,
            pip_packages=("torch", "transformers", "peft", "gguf", "accelerate"),
            description="Hugging Face models in-process: HF directories, GGUF files, PEFT adapters; "
            "generation and mean-pooled embeddings",
        )
    )
