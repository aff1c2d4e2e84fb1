"""OpenAI chat/completion responses and stream chunks from an engine's plain text output.

An in-process engine produces text (whole, or as deltas) and a finish reason; everything
else in the wire format (ids, roles, the finish chunk, the usage chunk) is the same for every
engine, so it is written once here.
"""

import time
from typing import Any, Literal

from plugstack.apis.inference.models import (
    ChatCompletion,
    ChatCompletionChoice,
    ChatCompletionChunk,
    ChatCompletionChunkChoice,
    ChatCompletionMessage,
    ChatCompletionRequest,
    ChoiceDelta,
    Completion,
    CompletionChoice,
    Usage,
    completion_id,
)
from plugstack.errors import BadRequestError

Finish = Literal["stop", "length"]


def template_messages(request: ChatCompletionRequest) -> list[dict[str, Any]]:
    """The request's messages as chat templates expect them (role + plain text content)."""
    return [{"role": message.role, "content": message.text()} for message in request.messages]


def require_plain_chat(request: ChatCompletionRequest, provider_type: str) -> None:
    """Refuse, with a 400 naming the field, what an engine without tool parsing or constrained
    decoding cannot honour, rather than silently ignoring it."""
    if request.tools:
        raise BadRequestError(f"tools: {provider_type} does not support tool calls")
    fmt = request.response_format
    if fmt is not None and fmt.type != "text":
        raise BadRequestError(f"response_format: {provider_type} does not support {fmt.type}")


def chat_completion(model: str, outputs: list[tuple[str, Finish]], usage: Usage) -> ChatCompletion:
    """A whole chat completion: one choice per (text, finish reason)."""
    choices = [
        ChatCompletionChoice(index=index, message=ChatCompletionMessage(content=text), finish_reason=finish)
        for index, (text, finish) in enumerate(outputs)
    ]
    return ChatCompletion(model=model, choices=choices, usage=usage)


def text_completion(model: str, outputs: list[tuple[str, Finish]], usage: Usage) -> Completion:
    choices = [
        CompletionChoice(index=index, text=text, finish_reason=finish) for index, (text, finish) in enumerate(outputs)
    ]
    return Completion(model=model, choices=choices, usage=usage)


class ChatChunks:
    """The chunks of one streamed chat completion: same id and timestamp throughout, the role
    on each choice's first delta, then a finish chunk, then (when asked) a usage chunk."""

    def __init__(self, model: str) -> None:
        self.id = completion_id("chatcmpl")
        self.created = int(time.time())
        self.model = model
        self._started: set[int] = set()

    def _chunk(self, choices: list[ChatCompletionChunkChoice], usage: Usage | None = None) -> ChatCompletionChunk:
        return ChatCompletionChunk(id=self.id, created=self.created, model=self.model, choices=choices, usage=usage)

    def delta(self, text: str, index: int = 0) -> ChatCompletionChunk:
        role = None if index in self._started else "assistant"
        self._started.add(index)
        return self._chunk([ChatCompletionChunkChoice(index=index, delta=ChoiceDelta(role=role, content=text))])

    def finish(self, reason: Finish, index: int = 0) -> ChatCompletionChunk:
        return self._chunk([ChatCompletionChunkChoice(index=index, delta=ChoiceDelta(), finish_reason=reason)])

    def usage(self, usage: Usage) -> ChatCompletionChunk:
        return self._chunk([], usage)


class CompletionChunks:
    """The chunks of one streamed text completion (each a `Completion` with a text delta)."""

    def __init__(self, model: str) -> None:
        self.id = completion_id("cmpl")
        self.created = int(time.time())
        self.model = model

    def _chunk(self, choices: list[CompletionChoice], usage: Usage | None = None) -> Completion:
        return Completion(id=self.id, created=self.created, model=self.model, choices=choices, usage=usage)

    def delta(self, text: str, index: int = 0, finish: Finish | None = None) -> Completion:
        return self._chunk([CompletionChoice(index=index, text=text, finish_reason=finish)])

    def usage(self, usage: Usage) -> Completion:
        return self._chunk([], usage)
