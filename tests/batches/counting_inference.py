"""A test inference provider that records every chat request it answers (one line per call in
``calls_file``: the user's last message) and takes ``delay_s`` per answer, so a test can stop a
batch midway and then count which lines were asked twice. Loaded through the plugin mechanism."""

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from plugstack.apis.inference.models import (
    ChatCompletion,
    ChatCompletionChoice,
    ChatCompletionMessage,
    ChatCompletionRequest,
    Usage,
)
from plugstack.apis.names import Api
from plugstack.errors import BadRequestError
from plugstack.hookspecs import hookimpl
from plugstack.registry.resources import Resource
from plugstack.spec import ProviderContext, ProviderSpec


class CountingConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    calls_file: str
    delay_s: float = 0.0


class CountingInference:
    def __init__(self, config: CountingConfig) -> None:
        self._config = config

    async def register_resource(self, resource: Resource) -> Resource:
        return resource

    async def chat_completion(self, request: ChatCompletionRequest) -> ChatCompletion:
        await asyncio.sleep(self._config.delay_s)
        text = request.messages[-1].text()
        with Path(self._config.calls_file).open("a") as calls:
            calls.write(text + "\n")
        message = ChatCompletionMessage(content=f"counted: {text}")
        choice = ChatCompletionChoice(index=0, message=message, finish_reason="stop")
        return ChatCompletion(model=request.model, choices=[choice], usage=Usage.of(1, 2))

    async def completion(self, request: Any) -> Any:
        raise BadRequestError("model: the counting provider only chats")

    async def embeddings(self, request: Any) -> Any:
        raise BadRequestError("model: the counting provider serves no embeddings")


async def create(config: CountingConfig, context: ProviderContext) -> CountingInference:
    return CountingInference(config)


@hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    register(
        ProviderSpec(
            api=Api.inference,
            provider_type="inline::counting",
            config_class=CountingConfig,
            factory=create,
            description="records each chat request; for batch resume tests",
        )
    )
