"""The entry point: registers `inline::llama-cpp` for the inference API.

Imported by every `plugstack` command, so it stays light: llama_cpp is imported only when a
stack builds the provider.
"""

from collections.abc import Callable
from typing import Any

from plugstack.apis.names import Api
from plugstack.hookspecs import hookimpl
from plugstack.spec import ProviderContext, ProviderSpec
from plugstack_llama_cpp.config import LlamaCppConfig


async def create(config: LlamaCppConfig, context: ProviderContext) -> Any:
    from plugstack_llama_cpp.provider import LlamaCppInference

    return LlamaCppInference(config, context.provider_id)


@hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    register(
        ProviderSpec(
            api=Api.inference,
            provider_type="inline::llama-cpp",
            config_class=LlamaCppConfig,
            factory=create,
            pip_packages=("llama-cpp-python==0.3.36",),
            description="llama.cpp in-process on GGUF models (CPU): chat, completions, grammars, tool calls",
        )
    )
