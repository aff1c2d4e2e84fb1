"""The entry point: registers `inline::trl` for the post_training API.

Imported by every `plugstack` command, so it stays light: torch, transformers, trl and peft are
imported only inside a job's child process.
"""

from collections.abc import Callable
from typing import Any

from plugstack.apis.names import Api
from plugstack.hookspecs import hookimpl
from plugstack.spec import ProviderContext, ProviderSpec
from plugstack_trl.config import TrlConfig


async def create(config: TrlConfig, context: ProviderContext) -> Any:
    from plugstack_trl.provider import TrlPostTraining

    return TrlPostTraining(config, context)


@hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    register(
        ProviderSpec(
            api=Api.post_training,
            provider_type="inline::trl",
            config_class=TrlConfig,
            factory=create,
            api_dependencies=(Api.datasetio,),
            optional_api_dependencies=(Api.inference,),
            pip_packages=("torch", "transformers", "trl", "peft", "accelerate", "bitsandbytes", "datasets"),
            description="TRL + PEFT post-training as jobs: SFT (full, LoRA, DoRA, QLoRA) and DPO, in one or several "
            "processes (DDP, FSDP on GPUs); trained models are served by inline::transformers",
        )
    )
