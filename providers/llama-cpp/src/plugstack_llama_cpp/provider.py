"""`inline::llama-cpp`: OpenAI chat and text completions from GGUF models, in-process.

Models are loaded when they are registered (the routing table calls `register_resource`),
so a wrong path is a 400 at registration rather than a failure at the first request.
"""

import asyncio
import time
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plugstack.apis.inference.model_files import is_location, resolve_model_path
from plugstack.apis.inference.models import (
    ChatCompletion,
    ChatCompletionChoice,
    ChatCompletionChunk,
    ChatCompletionChunkChoice,
    ChatCompletionMessage,
    ChatCompletionRequest,
    ChoiceDelta,
    ChoiceLogprobs,
    Completion,
    CompletionChoice,
    CompletionLogprobs,
    CompletionRequest,
    EmbeddingsRequest,
    EmbeddingsResponse,
    RerankRequest,
    RerankResponse,
    TokenLogprob,
    ToolCall,
    ToolCallDelta,
    ToolCallFunctionDelta,
    Usage,
    completion_id,
)
from plugstack.engines.guard import EngineCheckFailedError, file_identity, verify_in_child
from plugstack.errors import BadRequestError
from plugstack.registry.resources import Resource
from plugstack_llama_cpp.chat import CALL_OPENERS, ChatPrompter, parse_tool_calls
from plugstack_llama_cpp.config import GgufModelConfig, LlamaCppConfig
from plugstack_llama_cpp.engine import Engine, LoadOptions, physical_cores
from plugstack_llama_cpp.generation import (
    GenerationPlan,
    Piece,
    PromptTokens,
    add_completion_logprobs,
    chat_logprobs,
    sampling_options,
)
from plugstack_llama_cpp.grammars import chat_grammar, forced_tools
from plugstack_llama_cpp.trial import engine_identity

DEFAULT_COMPLETION_TOKENS = 16  # the OpenAI completions default; chat runs to the end of the turn


@dataclass
class LoadedModel:
    engine: Engine
    prompter: ChatPrompter
    identifiers: set[str] = field(default_factory=set)


@dataclass
class ChoiceState:
    """One choice of a chat reply while it is generated."""

    text: str = ""
    logprobs: list[TokenLogprob] = field(default_factory=list)
    finish_reason: str | None = None
    completion_tokens: int = 0
    started: bool = False
    holding: bool | None = None  # tool mode: None until the reply's first character decides

    def add(self, piece: Piece, top_logprobs: int | None) -> None:
        self.text += piece.text
        if piece.logprobs and top_logprobs is not None:
            self.logprobs.extend(chat_logprobs(piece.logprobs, top_logprobs))
        if piece.finish_reason:
            self.finish_reason = piece.finish_reason
            self.completion_tokens = piece.completion_tokens


class LlamaCppInference:
    def __init__(self, config: LlamaCppConfig, provider_id: str) -> None:
        self.config = config
        self.provider_id = provider_id
        self._models: dict[str, LoadedModel] = {}
        self._lock = asyncio.Lock()
        self._threads = config.n_threads or physical_cores()
        self._engine_failures: dict[str, str] = {}  # model id -> why its trial decode failed

    # -- registration ---------------------------------------------------------------------

    def _model_config(self, resource: Resource) -> GgufModelConfig:
        name = resource.provider_resource_id or resource.identifier
        configured = {model.model_id: model for model in self.config.models}
        if name in configured:
            return configured[name]
        location = resource.metadata.get("gguf")
        if location is None and is_location(name, (".gguf",)):
            location = name
        if location is None:
            listed = ", ".join(sorted(configured)) or "none"
            raise BadRequestError(
                f"provider_model_id {name!r} is not a model of provider {self.provider_id!r} (configured: {listed}); "
                "give the GGUF as metadata.gguf, or a path / pkg:// URI as provider_model_id"
            )
        return GgufModelConfig(model_id=name, gguf=str(location))

    def weights_location(self, resource: Resource) -> str:
        """The GGUF file behind a model, so other providers (post-training) can load the same weights."""
        return str(resolve_model_path(self._model_config(resource).gguf, "gguf"))

    async def register_resource(self, resource: Resource) -> Resource:
        model_type = getattr(resource, "model_type", "llm")
        if model_type != "llm":
            raise BadRequestError(f"model_type: inline::llama-cpp serves llm models, not {model_type}")
        spec = self._model_config(resource)
        async with self._lock:
            loaded = self._models.get(spec.model_id)
            if loaded is None:
                loaded = await self._load(spec)
                self._models[spec.model_id] = loaded
            loaded.identifiers.add(resource.identifier)
        return resource

    async def _load(self, spec: GgufModelConfig) -> LoadedModel:
        field_name = "metadata.gguf" if spec.model_id not in {m.model_id for m in self.config.models} else "gguf"
        path = resolve_model_path(spec.gguf, field_name)
        options = LoadOptions(
            n_ctx=spec.n_ctx or self.config.n_ctx,
            n_batch=self.config.n_batch,
            n_threads=self._threads,
            chat_template=spec.chat_template,
        )
        if self.config.verify_engine:
            await self._verify(spec.model_id, path, options)
        engine = await Engine.load(spec.model_id, path, options, self.config.max_queue)

        def prompter(llama: Any) -> ChatPrompter:
            bos, eos = llama.token_bos(), llama.token_eos()
            return ChatPrompter(
                options.chat_template or llama.metadata.get("tokenizer.chat_template"),
                bos_token=llama._model.token_get_text(bos) if bos != -1 else "",
                eos_token=llama._model.token_get_text(eos) if eos != -1 else "",
            )

        return LoadedModel(engine, await engine.call(prompter))

    async def _verify(self, name: str, path: Path, options: LoadOptions) -> None:
        """A trial decode in a child process: if llama.cpp crashes on this CPU, the child dies
        (and the model is refused with the reason), not the server."""
        try:
            await verify_in_child(
                "plugstack_llama_cpp.trial:decode",
                {"model_path": str(path), "n_batch": options.n_batch, "n_threads": options.n_threads},
                what=f"llama.cpp engine for model {name!r}",
                cache_key={
                    "engine": engine_identity(),
                    "model": file_identity(path),
                    "n_batch": options.n_batch,
                    "n_threads": options.n_threads,
                },
            )
        except EngineCheckFailedError as exc:
            self._engine_failures[name] = exc.detail
            raise
        self._engine_failures.pop(name, None)

    async def unregister_resource(self, resource: Resource) -> None:
        name = resource.provider_resource_id or resource.identifier
        async with self._lock:
            loaded = self._models.get(name)
            if loaded is None:
                return
            loaded.identifiers.discard(resource.identifier)
            if not loaded.identifiers:
                del self._models[name]
                await loaded.engine.close()

    def _loaded(self, name: str) -> LoadedModel:
        loaded = self._models.get(name)
        if loaded is None:  # the routing table only routes registered models here
            raise BadRequestError(f"model: {name!r} is not loaded in provider {self.provider_id!r}")
        return loaded

    def context_length(self, name: str) -> int | None:
        """The model's context in tokens: the router refuses requests that cannot fit it."""
        loaded = self._models.get(name)
        return loaded.engine.options.n_ctx if loaded is not None else None

    async def health(self) -> dict[str, Any]:
        if self._engine_failures:
            return {"status": "Error", "message": "; ".join(self._engine_failures.values())}
        return {"status": "OK", "message": f"{len(self._models)} model(s) loaded, {self._threads} threads each"}

    async def shutdown(self) -> None:
        for loaded in self._models.values():
            await loaded.engine.close()
        self._models.clear()

    # -- chat -------------------------------------------------------------------------------

    async def chat_completion(
        self, request: ChatCompletionRequest
    ) -> ChatCompletion | AsyncIterator[ChatCompletionChunk]:
        loaded = self._loaded(request.model)
        tools = request.tools if request.tool_choice != "none" else None
        prompt = loaded.prompter.render(request.messages, tools, required=forced_tools(request) is not None)
        top_logprobs = (request.top_logprobs or 0) if request.logprobs else None
        plan = GenerationPlan(
            prompts=[prompt],
            n=request.n,
            prompt_field="messages",
            options=sampling_options(request, request.token_limit()),
            seed=request.seed,
            logprobs=top_logprobs,
            grammar=chat_grammar(request),
        )
        pieces = loaded.engine.stream(plan.run)
        prompt_tokens = await _prompt_tokens(pieces)
        if request.stream:
            return self._chat_stream(request, pieces, prompt_tokens, top_logprobs)
        choices = [ChoiceState() for _ in range(request.n)]
        async for piece in pieces:
            choices[piece.index].add(piece, top_logprobs)
        completion_tokens = sum(choice.completion_tokens for choice in choices)
        return ChatCompletion(
            model=request.model,
            choices=[_chat_choice(index, choice, request, top_logprobs) for index, choice in enumerate(choices)],
            usage=Usage.of(prompt_tokens, completion_tokens),
        )

    async def _chat_stream(
        self,
        request: ChatCompletionRequest,
        pieces: AsyncGenerator[Any, None],
        prompt_tokens: int,
        top_logprobs: int | None,
    ) -> AsyncIterator[ChatCompletionChunk]:
        """Chunks as tokens come. In tool mode a reply that opens like a call is held back
        until it is complete, then sent as `tool_calls` (or as text if it was not one)."""
        chunk_id, created = completion_id("chatcmpl"), int(time.time())
        tool_mode = bool(request.tools) and request.tool_choice != "none"
        choices = [ChoiceState() for _ in range(request.n)]

        def chunk(
            index: int, delta: ChoiceDelta, finish: str | None = None, logprobs: list[TokenLogprob] | None = None
        ) -> ChatCompletionChunk:
            choice = ChatCompletionChunkChoice(
                index=index,
                delta=delta,
                finish_reason=finish,
                logprobs=ChoiceLogprobs(content=logprobs) if logprobs else None,
            )
            return ChatCompletionChunk(id=chunk_id, created=created, model=request.model, choices=[choice])

        async with aclosing(pieces):  # a client gone mid-stream frees the model at once
            async for piece in pieces:
                state = choices[piece.index]
                sent_logprobs = len(state.logprobs)
                state.add(piece, top_logprobs)
                role = None if state.started else "assistant"
                if tool_mode and state.holding is None and state.text.strip():
                    state.holding = forced_tools(request) is not None or state.text.lstrip().startswith(CALL_OPENERS)
                if tool_mode and state.holding is not False:
                    if not piece.finish_reason:
                        continue
                    final = _chat_choice(piece.index, state, request, top_logprobs)
                    delta = ChoiceDelta(
                        role=role, content=final.message.content, tool_calls=_tool_call_deltas(final.message.tool_calls)
                    )
                    yield chunk(piece.index, delta, final.finish_reason, state.logprobs or None)
                elif piece.text or role:
                    text = state.text if tool_mode and role else piece.text  # held-back text goes out at once
                    yield chunk(
                        piece.index, ChoiceDelta(role=role, content=text), None, state.logprobs[sent_logprobs:] or None
                    )
                state.started = True
                if piece.finish_reason and not (tool_mode and state.holding is not False):
                    yield chunk(piece.index, ChoiceDelta(), piece.finish_reason)
        if request.include_usage():
            completion_tokens = sum(choice.completion_tokens for choice in choices)
            yield ChatCompletionChunk(
                id=chunk_id,
                created=created,
                model=request.model,
                choices=[],
                usage=Usage.of(prompt_tokens, completion_tokens),
            )

    # -- text completions ---------------------------------------------------------------------

    async def completion(self, request: CompletionRequest) -> Completion | AsyncIterator[Completion]:
        loaded = self._loaded(request.model)
        if request.suffix:
            raise BadRequestError("suffix: inline::llama-cpp does not do fill-in-the-middle")
        if request.best_of is not None and request.best_of != request.n:
            raise BadRequestError("best_of: inline::llama-cpp returns every sample; leave best_of out or equal to n")
        prompts = request.prompts()
        plan = GenerationPlan(
            prompts=prompts,
            n=request.n,
            prompt_field="prompt",
            options=sampling_options(request, request.max_tokens or DEFAULT_COMPLETION_TOKENS),
            seed=request.seed,
            logprobs=request.logprobs,
        )
        pieces = loaded.engine.stream(plan.run)
        prompt_tokens = await _prompt_tokens(pieces)
        if request.stream:
            return self._completion_stream(request, prompts, pieces, prompt_tokens)
        count = len(prompts) * request.n
        texts = [prompts[i // request.n] if request.echo else "" for i in range(count)]
        logprobs = [CompletionLogprobs() for _ in range(count)] if request.logprobs is not None else None
        offsets = [len(prompts[i // request.n]) for i in range(count)]
        finishes: list[Any] = [None] * count
        completion_tokens = 0
        async for piece in pieces:
            texts[piece.index] += piece.text
            if logprobs is not None and piece.logprobs:
                offsets[piece.index] = add_completion_logprobs(
                    logprobs[piece.index], piece.logprobs, offsets[piece.index]
                )
            if piece.finish_reason:
                finishes[piece.index] = piece.finish_reason
                completion_tokens += piece.completion_tokens
        choices = [
            CompletionChoice(
                index=i,
                text=texts[i],
                finish_reason=finishes[i],
                logprobs=logprobs[i] if logprobs is not None else None,
            )
            for i in range(count)
        ]
        return Completion(model=request.model, choices=choices, usage=Usage.of(prompt_tokens, completion_tokens))

    async def _completion_stream(
        self, request: CompletionRequest, prompts: list[str], pieces: AsyncGenerator[Any, None], prompt_tokens: int
    ) -> AsyncIterator[Completion]:
        chunk_id, created = completion_id("cmpl"), int(time.time())
        offsets = [len(prompts[i // request.n]) for i in range(len(prompts) * request.n)]
        echoed: set[int] = set()
        completion_tokens = 0
        async with aclosing(pieces):  # a client gone mid-stream frees the model at once
            async for piece in pieces:
                text = piece.text
                if request.echo and piece.index not in echoed:
                    echoed.add(piece.index)
                    text = prompts[piece.index // request.n] + text
                logprobs = None
                if request.logprobs is not None and piece.logprobs:
                    logprobs = CompletionLogprobs()
                    offsets[piece.index] = add_completion_logprobs(logprobs, piece.logprobs, offsets[piece.index])
                completion_tokens += piece.completion_tokens
                choice = CompletionChoice(
                    index=piece.index, text=text, finish_reason=piece.finish_reason, logprobs=logprobs
                )
                yield Completion(id=chunk_id, created=created, model=request.model, choices=[choice])
        if request.include_usage():
            yield Completion(
                id=chunk_id,
                created=created,
                model=request.model,
                choices=[],
                usage=Usage.of(prompt_tokens, completion_tokens),
            )

    # -- not served here ----------------------------------------------------------------------

    async def embeddings(self, request: EmbeddingsRequest) -> EmbeddingsResponse:
        raise BadRequestError("model: inline::llama-cpp serves no embedding models")

    async def rerank(self, request: RerankRequest) -> RerankResponse:
        raise BadRequestError("model: inline::llama-cpp serves no rerank models")


async def _prompt_tokens(pieces: AsyncGenerator[Any, None]) -> int:
    """Wait for the prompt to be tokenized, so a prompt error is a 400 before any response starts."""
    first = await anext(pieces)
    assert isinstance(first, PromptTokens)
    return first.count


def _chat_choice(
    index: int, state: ChoiceState, request: ChatCompletionRequest, top_logprobs: int | None
) -> ChatCompletionChoice:
    calls: list[ToolCall] | None = None
    if request.tools and request.tool_choice != "none" and state.finish_reason != "length":
        calls = parse_tool_calls(state.text, request.tools)
    message = ChatCompletionMessage(content=None if calls else state.text, tool_calls=calls)
    logprobs = ChoiceLogprobs(content=state.logprobs) if top_logprobs is not None else None
    finish = "tool_calls" if calls else state.finish_reason
    return ChatCompletionChoice(index=index, message=message, finish_reason=finish, logprobs=logprobs)  # type: ignore[arg-type]


def _tool_call_deltas(calls: list[ToolCall] | None) -> list[ToolCallDelta] | None:
    if not calls:
        return None
    return [
        ToolCallDelta(
            index=i,
            id=call.id,
            type="function",
            function=ToolCallFunctionDelta(name=call.function.name, arguments=call.function.arguments),
        )
        for i, call in enumerate(calls)
    ]
