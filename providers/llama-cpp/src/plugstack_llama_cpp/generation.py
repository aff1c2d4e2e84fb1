"""The work done on a model's thread: tokenize the prompts, sample every choice, yield pieces.

Chat and text completions share it: both come down to "continue these prompts n times".
Generation always streams internally; a non-streamed response is the pieces joined, so
both modes behave (and count tokens) the same.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from llama_cpp import LlamaGrammar

from plugstack.apis.inference.models import (
    CompletionLogprobs,
    SamplingParams,
    TokenLogprob,
    TopLogprob,
)
from plugstack.errors import BadRequestError
from plugstack_llama_cpp.engine import Engine, Generation
from plugstack_llama_cpp.grammars import check_grammar

# llama.cpp sampling knobs outside the OpenAI API that clients send as extra fields (vLLM does too).
EXTRA_SAMPLING: dict[str, type] = {"top_k": int, "min_p": float, "repeat_penalty": float, "typical_p": float}


@dataclass(frozen=True)
class PromptTokens:
    """First item of every generation: the prompt size, for `usage`."""

    count: int


@dataclass(frozen=True)
class Piece:
    """A stretch of one choice's text; the last piece of a choice has its finish_reason."""

    index: int
    text: str
    logprobs: dict[str, Any] | None = None
    finish_reason: str | None = None
    completion_tokens: int = 0


@dataclass(frozen=True)
class GenerationPlan:
    prompts: list[str]
    n: int
    prompt_field: str = "prompt"  # named in the 400 for a prompt over the context
    options: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    logprobs: int | None = None
    grammar: LlamaGrammar | None = None

    def run(self, engine: Engine, generation: Generation) -> Iterator[PromptTokens | Piece]:
        llama = engine.llama_with_logprobs() if self.logprobs is not None else engine.llama
        n_ctx = llama.n_ctx()
        token_lists = []
        for prompt in self.prompts:
            tokens = llama.tokenize(prompt.encode(), add_bos=True, special=True)
            if len(tokens) > 1 and tokens[0] == tokens[1] == llama.token_bos():
                tokens = tokens[1:]  # the chat template wrote BOS itself
            if len(tokens) >= n_ctx:
                raise BadRequestError(f"{self.prompt_field}: {len(tokens)} tokens, over the model's context of {n_ctx}")
            token_lists.append(tokens)
        if self.grammar is not None:
            check_grammar(llama, self.grammar)
        yield PromptTokens(sum(len(tokens) for tokens in token_lists))
        # An unseeded request must not repeat the previous one: llama-cpp-python's default seed does.
        base_seed = random.getrandbits(31) if self.seed is None else self.seed
        for prompt_index, tokens in enumerate(token_lists):
            for sample in range(self.n):
                index = prompt_index * self.n + sample
                chunks = llama.create_completion(
                    tokens,
                    stream=True,
                    seed=base_seed + index,
                    logprobs=self.logprobs,
                    grammar=self.grammar,
                    stopping_criteria=generation.criteria(),
                    **self.options,
                )
                for chunk in chunks:
                    choice = chunk["choices"][0]
                    finish = choice["finish_reason"]
                    yield Piece(
                        index, choice["text"], choice["logprobs"], finish, generation.sampled_tokens if finish else 0
                    )


def sampling_options(request: SamplingParams, max_tokens: int | None) -> dict[str, Any]:
    """create_completion arguments; what the request leaves out keeps llama.cpp's defaults."""
    options: dict[str, Any] = {"max_tokens": max_tokens, "stop": request.stop_list()}
    for name in ("temperature", "top_p", "frequency_penalty", "presence_penalty"):
        value = getattr(request, name)
        if value is not None:
            options[name] = value
    extra = request.model_extra or {}
    for name, kind in EXTRA_SAMPLING.items():
        if extra.get(name) is not None:
            try:
                options[name] = kind(extra[name])
            except (TypeError, ValueError):
                raise BadRequestError(f"{name}: expected a number, got {extra[name]!r}") from None
    return options


def _per_token(piece: dict[str, Any]) -> Iterator[tuple[str, float, dict[str, float] | None]]:
    return zip(piece["tokens"], piece["token_logprobs"], piece["top_logprobs"], strict=True)


def chat_logprobs(piece: dict[str, Any], top: int) -> list[TokenLogprob]:
    """Completion-style logprobs of a piece as chat `logprobs.content` entries."""
    entries = []
    for token, logprob, alternatives in _per_token(piece):
        ranked = sorted((alternatives or {}).items(), key=lambda item: item[1], reverse=True)[:top]
        entries.append(
            TokenLogprob(
                token=token,
                logprob=logprob,
                bytes=list(token.encode()),
                top_logprobs=[TopLogprob(token=t, logprob=lp, bytes=list(t.encode())) for t, lp in ranked],
            )
        )
    return entries


def add_completion_logprobs(into: CompletionLogprobs, piece: dict[str, Any], offset: int) -> int:
    """Append a piece's logprobs, with text offsets counted from the prompt's start; the new offset."""
    for token, logprob, alternatives in _per_token(piece):
        into.tokens.append(token)
        into.token_logprobs.append(logprob)
        into.top_logprobs.append(alternatives)
        into.text_offset.append(offset)
        offset += len(token)
    return offset
