"""A scripted inference provider: the branches of the agent loop a 135M model cannot be made to
take reliably, driven deterministically through the normal plugin mechanism (in addition to the
real-model tests, never instead of them).

The script, by the conversation's last message:
- a tool result → ``The tool said: <result> (tool_choice=<what the loop asked>)``;
- tools offered and not refused → a call of the named (or first) tool whose first required
  parameter gets the user's last text;
- otherwise → ``Echo (<n> messages): <the user's last text>``.
A model whose id starts with ``slow`` streams one word every half second, for ever-long replies.
"""

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from pydantic import BaseModel, ConfigDict

from plugstack.apis.inference.models import (
    ChatCompletion,
    ChatCompletionChoice,
    ChatCompletionChunk,
    ChatCompletionChunkChoice,
    ChatCompletionMessage,
    ChatCompletionRequest,
    ChoiceDelta,
    NamedToolChoice,
    ToolCall,
    ToolCallDelta,
    ToolCallFunction,
    ToolCallFunctionDelta,
    Usage,
    completion_id,
)
from plugstack.apis.names import Api
from plugstack.errors import BadRequestError
from plugstack.hookspecs import hookimpl
from plugstack.registry.resources import Resource
from plugstack.spec import ProviderContext, ProviderSpec


class ScriptedConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _tool_choice_name(choice: Any) -> str:
    if isinstance(choice, NamedToolChoice):
        return f"function:{choice.function.name}"
    return str(choice)


def script(request: ChatCompletionRequest) -> tuple[str | None, ToolCall | None]:
    """(text, tool call) of the scripted reply."""
    last = request.messages[-1]
    users = [message.text() for message in request.messages if message.role == "user"]
    if last.role == "tool":
        return f"The tool said: {last.text()} (tool_choice={_tool_choice_name(request.tool_choice)})", None
    if request.tools and request.tool_choice != "none":
        tool = request.tools[0]
        if isinstance(request.tool_choice, NamedToolChoice):
            tool = next(t for t in request.tools if t.function.name == request.tool_choice.function.name)
        required = (tool.function.parameters or {}).get("required") or ["input"]
        arguments = json.dumps({required[0]: users[-1] if users else ""})
        call = ToolCall(
            id=f"call_{len(request.messages)}", function=ToolCallFunction(name=tool.function.name, arguments=arguments)
        )
        return None, call
    return f"Echo ({len(request.messages)} messages): {users[-1] if users else ''}", None


class ScriptedInference:
    async def register_resource(self, resource: Resource) -> Resource:
        return resource

    async def chat_completion(self, request: ChatCompletionRequest) -> Any:
        text, call = script(request)
        usage = Usage.of(sum(len(m.text().split()) for m in request.messages), len((text or "").split()) or 1)
        if not request.stream:
            message = ChatCompletionMessage(content=text, tool_calls=[call] if call else None)
            finish = "tool_calls" if call else "stop"
            choice = ChatCompletionChoice(index=0, message=message, finish_reason=finish)  # type: ignore[arg-type]
            return ChatCompletion(model=request.model, choices=[choice], usage=usage)
        return self._stream(request, text, call, usage)

    async def _stream(
        self, request: ChatCompletionRequest, text: str | None, call: ToolCall | None, usage: Usage
    ) -> AsyncIterator[ChatCompletionChunk]:
        chunk_id = completion_id("chatcmpl")

        def chunk(delta: ChoiceDelta, finish: str | None = None) -> ChatCompletionChunk:
            choice = ChatCompletionChunkChoice(index=0, delta=delta, finish_reason=finish)  # type: ignore[arg-type]
            return ChatCompletionChunk(id=chunk_id, model=request.model, choices=[choice])

        slow = request.model.startswith("slow")
        words: list[str] = (text or "").split(" ") if text else []
        if slow:
            words = [f"word{n}" for n in range(10_000)]
        for index, word in enumerate(words):
            if slow:
                await asyncio.sleep(0.5)
            yield chunk(
                ChoiceDelta(role="assistant" if index == 0 else None, content=word if index == 0 else " " + word)
            )
        if call is not None:
            delta = ToolCallDelta(
                index=0,
                id=call.id,
                type="function",
                function=ToolCallFunctionDelta(name=call.function.name, arguments=call.function.arguments),
            )
            yield chunk(ChoiceDelta(role="assistant", tool_calls=[delta]))
        yield chunk(ChoiceDelta(), "tool_calls" if call else "stop")
        if request.include_usage():
            yield ChatCompletionChunk(id=chunk_id, model=request.model, choices=[], usage=usage)

    async def completion(self, request: Any) -> Any:
        raise BadRequestError("model: the scripted provider only chats")

    async def embeddings(self, request: Any) -> Any:
        raise BadRequestError("model: the scripted provider serves no embeddings")

    async def rerank(self, request: Any) -> Any:
        raise BadRequestError("model: the scripted provider serves no rerank")


async def create(config: ScriptedConfig, context: ProviderContext) -> ScriptedInference:
    return ScriptedInference()


@hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    register(
        ProviderSpec(
            api=Api.inference,
            provider_type="inline::scripted",
            config_class=ScriptedConfig,
            factory=create,
            description="deterministic replies for agent-loop tests",
        )
    )
