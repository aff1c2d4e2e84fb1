"""`inline::transformers`: models registered with this provider are loaded and run in-process.

Each model gets one worker thread of its own: its requests run one at a time, in arrival order
(transformers' ``generate`` is not safe to run twice at once on one model), while the event
loop only awaits. At most ``max_queued_requests`` wait per model; more get a 429. Streaming
hands each decoded piece from the worker thread to the event loop as it is produced; a client
that goes away stops the generation at the next token.
"""

import asyncio
import base64
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import torch
from transformers import StoppingCriteria, StoppingCriteriaList, TextStreamer

from plugstack.apis.inference.models import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    Completion,
    CompletionRequest,
    Embedding,
    EmbeddingsRequest,
    EmbeddingsResponse,
    SamplingParams,
    Usage,
)
from plugstack.engines.responses import (
    ChatChunks,
    CompletionChunks,
    Finish,
    chat_completion,
    require_plain_chat,
    template_messages,
    text_completion,
)
from plugstack.errors import BadRequestError, NotFoundError, ProviderFailedError, QuotaExceededError
from plugstack.registry.resources import Resource
from plugstack_transformers.config import ModelSource, TransformersConfig
from plugstack_transformers.loading import LoadedWeights, load, resolve
from plugstack_transformers.stops import StopTrimmer, trim_at_stop

PROVIDER_TYPE = "inline::transformers"
T = TypeVar("T")
_END = object()


@dataclass(frozen=True)
class GenerationParams:
    max_tokens: int
    temperature: float
    top_p: float | None
    seed: int | None
    stops: list[str]
    n: int

    @property
    def sampling(self) -> bool:
        return self.temperature > 0


@dataclass
class Generation:
    outputs: list[tuple[str, Finish]]
    prompt_tokens: int
    completion_tokens: int

    def usage(self) -> Usage:
        return Usage.of(self.prompt_tokens, self.completion_tokens)


class _Cancelled(StoppingCriteria):
    """Ends generation once the requester is gone."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs: Any) -> torch.BoolTensor:
        return torch.full((input_ids.shape[0],), self.event.is_set(), dtype=torch.bool, device=input_ids.device)


class _LoopStreamer(TextStreamer):
    """TextStreamer that hands each finished piece of text to an asyncio queue."""

    def __init__(self, tokenizer: Any, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[Any]) -> None:
        super().__init__(tokenizer, skip_prompt=True, skip_special_tokens=True)
        self._loop = loop
        self._queue = queue

    def on_finalized_text(self, text: str, stream_end: bool = False) -> None:
        if text:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, text)


@dataclass
class ModelWorker:
    """A model's weights and the single thread that runs them."""

    name: str
    model_type: str
    source: ModelSource
    max_queued: int
    weights: LoadedWeights | None = None
    pending: int = 0
    executor: ThreadPoolExecutor = field(init=False)

    def __post_init__(self) -> None:
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"transformers:{self.name}")

    def submit(self, function: Callable[..., T], *args: Any) -> "asyncio.Future[T]":
        """Queue a call on this model's thread (429 when too many already wait)."""
        if self.pending >= self.max_queued:
            raise QuotaExceededError(f"model {self.name!r} has {self.pending} requests waiting; try again later")
        self.pending += 1
        future = asyncio.wrap_future(self.executor.submit(function, *args))
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _: "asyncio.Future[Any]") -> None:
        self.pending -= 1

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        return await self.submit(function, *args)

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


class TransformersInference:
    def __init__(self, config: TransformersConfig) -> None:
        self._requested = config
        self.config = resolve(config)  # device and dtype concrete from here on
        self._workers: dict[str, ModelWorker] = {}
        if config.num_threads:
            torch.set_num_threads(config.num_threads)

    # -- models ---------------------------------------------------------------------------

    async def register_resource(self, resource: Resource) -> Resource:
        """Load the model's weights (in its own thread) before the registration is accepted."""
        if resource.type != "model":
            return resource
        name = resource.provider_resource_id or resource.identifier
        model_type = getattr(resource, "model_type", "llm")
        source = ModelSource.model_validate(resource.metadata)
        current = self._workers.get(name)
        if current is not None and current.source == source and current.model_type == model_type:
            return resource
        worker = ModelWorker(name, model_type, source, self.config.max_queued_requests)
        try:
            worker.weights = await worker.run(load, source, name, model_type, self.config)
        except BadRequestError:
            worker.close()
            raise
        except Exception as exc:
            worker.close()
            raise BadRequestError(
                f"{PROVIDER_TYPE} could not load model {name!r}: {type(exc).__name__}: {exc}"
            ) from exc
        if current is not None:
            current.close()
        self._workers[name] = worker
        return resource

    async def unregister_resource(self, resource: Resource) -> None:
        worker = self._workers.pop(resource.provider_resource_id or resource.identifier, None)
        if worker is not None:
            worker.close()

    def _worker(self, model: str, model_type: str) -> tuple[ModelWorker, LoadedWeights]:
        worker = self._workers.get(model)
        if worker is None or worker.weights is None:
            raise NotFoundError(f"{PROVIDER_TYPE} has not loaded {model!r}; loaded: {sorted(self._workers)}")
        if worker.model_type != model_type:
            raise BadRequestError(f"model {model!r} was loaded as an {worker.model_type} model, not {model_type}")
        return worker, worker.weights

    def context_length(self, model: str) -> int | None:
        """The model's context in tokens (its position embeddings): the router refuses requests that cannot fit it."""
        worker = self._workers.get(model)
        if worker is None or worker.weights is None:
            return None
        length = getattr(worker.weights.model.config, "max_position_embeddings", None)
        return length if isinstance(length, int) else None

    async def health(self) -> dict[str, Any]:
        """What runs where; ``(auto)`` marks what ``auto`` picked."""
        settings = ", ".join(
            f"{name} {getattr(self.config, name)}" + (" (auto)" if getattr(self._requested, name) == "auto" else "")
            for name in ("device", "dtype")
        )
        return {"status": "OK", "message": f"{len(self._workers)} model(s) loaded; {settings}"}

    async def shutdown(self) -> None:
        for worker in self._workers.values():
            worker.close()
        self._workers.clear()

    # -- generation (worker thread) ---------------------------------------------------------

    def _params(self, request: SamplingParams, max_tokens: int | None) -> GenerationParams:
        params = GenerationParams(
            max_tokens=max_tokens or self.config.default_max_tokens,
            temperature=1.0 if request.temperature is None else request.temperature,
            top_p=request.top_p,
            seed=request.seed,
            stops=request.stop_list(),
            n=request.n,
        )
        if params.n > 1 and (request.stream or not params.sampling):
            raise BadRequestError("n: more than one choice needs temperature > 0 and no streaming here")
        return params

    def _generate(
        self,
        weights: LoadedWeights,
        prompt: str,
        chat: bool,
        params: GenerationParams,
        streamer: TextStreamer | None,
        cancel: threading.Event,
    ) -> Generation:
        if cancel.is_set():  # the requester left while this waited its turn
            return Generation([], 0, 0)
        tokenizer, model = weights.tokenizer, weights.model
        encoded = tokenizer(prompt, return_tensors="pt", add_special_tokens=not chat).to(self.config.device)
        options: dict[str, Any] = {
            "max_new_tokens": params.max_tokens,
            "do_sample": params.sampling,
            "num_return_sequences": params.n,
            "pad_token_id": tokenizer.pad_token_id,
            "stopping_criteria": StoppingCriteriaList([_Cancelled(cancel)]),
            "streamer": streamer,
        }
        if params.sampling:
            options.update(temperature=params.temperature, top_p=params.top_p if params.top_p is not None else 1.0)
        else:  # greedy: drop the model's own sampling defaults instead of warning about them
            options.update(temperature=None, top_p=None, top_k=None)
        if params.stops:
            options.update(stop_strings=params.stops, tokenizer=tokenizer)
        if params.seed is not None:
            torch.manual_seed(params.seed)
        with torch.inference_mode():
            sequences = model.generate(**encoded, **options)
        prompt_tokens = int(encoded["input_ids"].shape[1])
        eos = model.generation_config.eos_token_id
        eos_ids = set(eos if isinstance(eos, list) else [eos]) if eos is not None else set()
        outputs: list[tuple[str, Finish]] = []
        completion_tokens = 0
        for sequence in sequences:
            generated = sequence[prompt_tokens:].tolist()
            length = next((i + 1 for i, token in enumerate(generated) if token in eos_ids), None)
            ended = length is not None
            if length is None:
                length = len(generated)
                while length and generated[length - 1] == tokenizer.pad_token_id:
                    length -= 1
            text, stopped = trim_at_stop(tokenizer.decode(generated[:length], skip_special_tokens=True), params.stops)
            finish: Finish = "stop" if ended or stopped or length < params.max_tokens else "length"
            outputs.append((text, finish))
            completion_tokens += length
        return Generation(outputs, prompt_tokens, completion_tokens)

    async def _complete(self, model: str, prompt: str, chat: bool, params: GenerationParams) -> Generation:
        worker, weights = self._worker(model, "llm")
        cancel = threading.Event()
        try:
            return await worker.run(self._generate, weights, prompt, chat, params, None, cancel)
        except asyncio.CancelledError:
            cancel.set()
            raise
        except (QuotaExceededError, BadRequestError):
            raise
        except Exception as exc:
            raise ProviderFailedError(f"{PROVIDER_TYPE} generation failed: {type(exc).__name__}: {exc}") from exc

    async def _pieces(self, model: str, prompt: str, chat: bool, params: GenerationParams) -> AsyncIterator[Any]:
        """Text pieces as the worker decodes them (stop strings held back and cut), then the
        finished `Generation`."""
        worker, weights = self._worker(model, "llm")
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        streamer = _LoopStreamer(weights.tokenizer, loop, queue)
        cancel = threading.Event()
        job = worker.submit(self._generate, weights, prompt, chat, params, streamer, cancel)
        # Runs after every piece the streamer queued: both travel through call_soon_threadsafe.
        job.add_done_callback(lambda _: queue.put_nowait(_END))
        trimmer = StopTrimmer(params.stops)
        try:
            while (piece := await queue.get()) is not _END:
                if text := trimmer.feed(piece):
                    yield text
            if text := trimmer.flush():
                yield text
            try:
                yield await job
            except (QuotaExceededError, BadRequestError):
                raise
            except Exception as exc:
                raise ProviderFailedError(f"{PROVIDER_TYPE} generation failed: {type(exc).__name__}: {exc}") from exc
        finally:
            cancel.set()
            if not job.done():
                job.cancel()

    # -- the inference API ----------------------------------------------------------------

    def _chat_prompt(self, request: ChatCompletionRequest) -> str:
        _, weights = self._worker(request.model, "llm")
        tokenizer = weights.tokenizer
        messages = template_messages(request)
        if tokenizer.chat_template:
            return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        # A base model without a chat template: a plain transcript it can continue.
        return "".join(f"{m['role']}: {m['content']}\n" for m in messages) + "assistant:"

    async def chat_completion(
        self, request: ChatCompletionRequest
    ) -> ChatCompletion | AsyncIterator[ChatCompletionChunk]:
        require_plain_chat(request, PROVIDER_TYPE)
        prompt = self._chat_prompt(request)
        params = self._params(request, request.token_limit())
        if request.stream:
            return self._stream_chat(request, prompt, params)
        generation = await self._complete(request.model, prompt, True, params)
        return chat_completion(request.model, generation.outputs, generation.usage())

    async def _stream_chat(
        self, request: ChatCompletionRequest, prompt: str, params: GenerationParams
    ) -> AsyncIterator[ChatCompletionChunk]:
        chunks = ChatChunks(request.model)
        async for piece in self._pieces(request.model, prompt, True, params):
            if isinstance(piece, Generation):
                yield chunks.finish(piece.outputs[0][1] if piece.outputs else "stop")
                if request.include_usage():
                    yield chunks.usage(piece.usage())
            else:
                yield chunks.delta(piece)

    async def completion(self, request: CompletionRequest) -> Completion | AsyncIterator[Completion]:
        if request.suffix:
            raise BadRequestError(f"suffix: {PROVIDER_TYPE} does not support insertion")
        params = self._params(request, request.max_tokens)
        prompts = request.prompts()
        if request.stream:
            if len(prompts) != 1:
                raise BadRequestError(f"prompt: {PROVIDER_TYPE} streams one prompt per request")
            return self._stream_completion(request, prompts[0], params)
        outputs: list[tuple[str, Finish]] = []
        prompt_tokens = completion_tokens = 0
        for prompt in prompts:
            generation = await self._complete(request.model, prompt, False, params)
            prefix = prompt if request.echo else ""
            outputs += [(prefix + text, finish) for text, finish in generation.outputs]
            prompt_tokens += generation.prompt_tokens
            completion_tokens += generation.completion_tokens
        return text_completion(request.model, outputs, Usage.of(prompt_tokens, completion_tokens))

    async def _stream_completion(
        self, request: CompletionRequest, prompt: str, params: GenerationParams
    ) -> AsyncIterator[Completion]:
        chunks = CompletionChunks(request.model)
        if request.echo:
            yield chunks.delta(prompt)
        async for piece in self._pieces(request.model, prompt, False, params):
            if isinstance(piece, Generation):
                yield chunks.delta("", finish=piece.outputs[0][1] if piece.outputs else "stop")
                if request.include_usage():
                    yield chunks.usage(piece.usage())
            else:
                yield chunks.delta(piece)

    # -- embeddings -------------------------------------------------------------------------

    @staticmethod
    def _embed(weights: LoadedWeights, texts: list[str]) -> tuple[torch.Tensor, int]:
        """Mean of the last hidden states over real tokens, L2-normalised (cosine-ready)."""
        encoded = weights.tokenizer(texts, padding=True, truncation=True, return_tensors="pt")
        encoded = encoded.to(weights.model.device)
        with torch.inference_mode():
            hidden = weights.model(**encoded).last_hidden_state
        mask = encoded["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1)
        return torch.nn.functional.normalize(pooled.float(), dim=-1).cpu(), int(encoded["attention_mask"].sum())

    async def embeddings(self, request: EmbeddingsRequest) -> EmbeddingsResponse:
        worker, weights = self._worker(request.model, "embedding")
        vectors, tokens = await worker.run(self._embed, weights, request.texts())
        if request.dimensions is not None and request.dimensions != vectors.shape[1]:
            raise BadRequestError(f"dimensions: model {request.model!r} embeds in {vectors.shape[1]} dimensions")
        data = []
        for index, vector in enumerate(vectors):
            value: list[float] | str = (
                base64.b64encode(vector.numpy().astype("<f4").tobytes()).decode()
                if request.encoding_format == "base64"
                else vector.tolist()
            )
            data.append(Embedding(index=index, embedding=value))
        return EmbeddingsResponse(data=data, model=request.model, usage=Usage.of(tokens, 0))
