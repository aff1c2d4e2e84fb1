"""The scripted inference provider, taking a while per reply: eval jobs that run long enough
to be followed and cancelled from another server. A plugin (``inline::sleepy``) for run_server."""

import asyncio
from collections.abc import Callable
from typing import Any

from plugstack.apis.inference.models import ChatCompletionRequest
from plugstack.apis.names import Api
from plugstack.hookspecs import hookimpl
from plugstack.spec import ProviderContext, ProviderSpec
from tests.support.scripted_inference import ScriptedConfig, ScriptedInference

REPLY_DELAY_S = 0.5


class SleepyInference(ScriptedInference):
    async def chat_completion(self, request: ChatCompletionRequest) -> Any:
        await asyncio.sleep(REPLY_DELAY_S)
        return await super().chat_completion(request)


async def create(config: ScriptedConfig, context: ProviderContext) -> SleepyInference:
    return SleepyInference()


@hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    register(
        ProviderSpec(
            api=Api.inference,
            provider_type="inline::sleepy",
            config_class=ScriptedConfig,
            factory=create,
            description=f"scripted replies after {REPLY_DELAY_S} s",
        )
    )
