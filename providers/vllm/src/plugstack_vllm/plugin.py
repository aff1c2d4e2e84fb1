"""The entry point: registers `remote::vllm` and `inline::vllm` for the inference API.

Imported by every `plugstack` command, so it stays light: the in-process engine (and vLLM
with it) is imported only when a stack builds `inline::vllm`.
"""

from collections.abc import Callable
from typing import Any

from plugstack.apis.names import Api
from plugstack.hookspecs import hookimpl
from plugstack.spec import ProviderContext, ProviderSpec
from plugstack_vllm.config import VLLMInlineConfig, VLLMRemoteConfig

BACKEND_NAME = "vLLM server"


async def create_remote(config: VLLMRemoteConfig, context: ProviderContext) -> Any:
    from plugstack.remote.inference import RemoteInference
    from plugstack.remote.openai_client import OpenAIClient

    impl = RemoteInference(OpenAIClient(config, BACKEND_NAME), config, context.provider_id, context.registry)
    await impl.initialize()
    return impl


async def create_inline(config: VLLMInlineConfig, context: ProviderContext) -> Any:
    from plugstack_vllm.inline import VLLMInlineInference

    return await VLLMInlineInference.create(config)


@hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    register(
        ProviderSpec(
            api=Api.inference,
            provider_type="remote::vllm",
            config_class=VLLMRemoteConfig,
            factory=create_remote,
            description="A vLLM (or any OpenAI-compatible) server; its models are discovered from /v1/models",
        )
    )
    register(
        ProviderSpec(
            api=Api.inference,
            provider_type="inline::vllm",
            config_class=VLLMInlineConfig,
            factory=create_inline,
            pip_packages=("vllm",),
            install_hint="pip install 'plugstack-provider-vllm[inline]'",
            description="vLLM's async engine in this process, with LoRA adapters",
        )
    )
