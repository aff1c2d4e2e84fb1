"""The inference provider: chat and text completions, streamed or not."""

from collections.abc import AsyncIterator
from importlib.resources import files

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
    CompletionRequest,
    EmbeddingsRequest,
    EmbeddingsResponse,
    Usage,
)
from plugstack.errors import BadRequestError
from plugstack_markov.chain import MarkovChain
from plugstack_markov.config import MarkovConfig

DEFAULT_MAX_WORDS = 32


class MarkovInference:
    def __init__(self, chain: MarkovChain) -> None:
        self.chain = chain

    @classmethod
    def from_config(cls, config: MarkovConfig) -> "MarkovInference":
        path = config.corpus or files("plugstack_markov") / "corpus.txt"
        return cls(MarkovChain(path.read_text(), config.order))

    def _words(self, prompt: str, max_tokens: int | None, seed: int | None, temperature: float | None) -> list[str]:
        return list(
            self.chain.generate(
                prompt, max_tokens or DEFAULT_MAX_WORDS, seed, 1.0 if temperature is None else temperature
            )
        )

    @staticmethod
    def _usage(prompt: str, words: list[str]) -> Usage:
        prompt_tokens = len(prompt.split())
        return Usage(prompt_tokens=prompt_tokens, completion_tokens=len(words), total_tokens=prompt_tokens + len(words))

    async def chat_completion(
        self, request: ChatCompletionRequest
    ) -> ChatCompletion | AsyncIterator[ChatCompletionChunk]:
        prompt = " ".join(message.text() for message in request.messages)
        max_tokens = request.max_completion_tokens or request.max_tokens
        words = self._words(prompt, max_tokens, request.seed, request.temperature)
        finish = "length" if max_tokens and len(words) >= max_tokens else "stop"
        if not request.stream:
            message = ChatCompletionMessage(content=" ".join(words))
            choice = ChatCompletionChoice(index=0, message=message, finish_reason=finish)
            return ChatCompletion(model=request.model, choices=[choice], usage=self._usage(prompt, words))
        return self._stream_chat(request, prompt, words, finish)

    async def _stream_chat(
        self, request: ChatCompletionRequest, prompt: str, words: list[str], finish: str
    ) -> AsyncIterator[ChatCompletionChunk]:
        first = ChatCompletion(model=request.model, choices=[])
        for index, word in enumerate(words):
            delta = ChoiceDelta(role="assistant" if index == 0 else None, content=word if index == 0 else " " + word)
            yield ChatCompletionChunk(
                id=first.id, model=request.model, choices=[ChatCompletionChunkChoice(index=0, delta=delta)]
            )
        yield ChatCompletionChunk(
            id=first.id,
            model=request.model,
            choices=[ChatCompletionChunkChoice(index=0, delta=ChoiceDelta(), finish_reason=finish)],
        )
        if request.stream_options and request.stream_options.include_usage:
            yield ChatCompletionChunk(id=first.id, model=request.model, choices=[], usage=self._usage(prompt, words))

    async def completion(self, request: CompletionRequest) -> Completion | AsyncIterator[Completion]:
        if not isinstance(request.prompt, str):
            raise BadRequestError("inline::markov takes one prompt string per request")
        words = self._words(request.prompt, request.max_tokens, request.seed, request.temperature)
        finish = "length" if request.max_tokens and len(words) >= request.max_tokens else "stop"
        usage = self._usage(request.prompt, words)
        if not request.stream:
            choice = CompletionChoice(index=0, text="".join(" " + w for w in words), finish_reason=finish)
            return Completion(model=request.model, choices=[choice], usage=usage)
        return self._stream_completion(request.model, words, finish, usage)

    async def _stream_completion(
        self, model: str, words: list[str], finish: str, usage: Usage
    ) -> AsyncIterator[Completion]:
        first = Completion(model=model, choices=[])
        for word in words:
            choice = CompletionChoice(index=0, text=" " + word, finish_reason=None)
            yield Completion(id=first.id, model=model, choices=[choice])
        yield Completion(
            id=first.id, model=model, choices=[CompletionChoice(index=0, text="", finish_reason=finish)], usage=usage
        )

    async def embeddings(self, request: EmbeddingsRequest) -> EmbeddingsResponse:
        raise BadRequestError("inline::markov has no embedding models")
