"""The entry point: registers `inline::llm-as-judge` and `inline::transformers-reward` for reward scoring.

Imported by every `plugstack` command, so it stays light: the providers' modules (and torch) are
imported only when a stack builds them.
"""

from collections.abc import Callable
from typing import Any

from plugstack.apis.names import Api
from plugstack.hookspecs import hookimpl
from plugstack.spec import ProviderContext, ProviderSpec
from plugstack_reward.config import JudgeConfig, TransformersRewardConfig


async def create_judge(config: JudgeConfig, context: ProviderContext) -> Any:
    from plugstack_reward.judge import LLMJudgeReward

    return LLMJudgeReward(config, context.deps[Api.inference])


async def create_transformers_reward(config: TransformersRewardConfig, context: ProviderContext) -> Any:
    from plugstack_reward.classifier import TransformersReward

    return TransformersReward(config)


@hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    register(
        ProviderSpec(
            api=Api.reward_scoring,
            provider_type="inline::llm-as-judge",
            config_class=JudgeConfig,
            factory=create_judge,
            api_dependencies=(Api.inference,),
            description="A judge prompt over any registered LLM, its score constrained to an integer scale",
        )
    )
    register(
        ProviderSpec(
            api=Api.reward_scoring,
            provider_type="inline::transformers-reward",
            config_class=TransformersRewardConfig,
            factory=create_transformers_reward,
            pip_packages=("torch", "transformers"),
            description="A sequence-classification reward model (e.g. TRL's RewardTrainer output), batched, CPU or GPU",
        )
    )
