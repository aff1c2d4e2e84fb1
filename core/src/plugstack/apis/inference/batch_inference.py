"""Synchronous batch inference: Llama Stack 0.2's requests as OpenAI requests through the
inference router, ``BATCH_CONCURRENCY`` at a time (the machinery /v1/batches runs on), and
the OpenAI responses back in Llama Stack's shapes."""

import json
from typing import Any, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from plugstack.apis.agents.turns import InterleavedContent, content_text
from plugstack.apis.eval.models import SamplingParams, TopKSamplingStrategy, TopPSamplingStrategy
from plugstack.apis.inference.batch_concurrency import bounded_map
from plugstack.apis.inference.batch_models import (
    BatchChatCompletionRequest,
    BatchChatCompletionResponse,
    BatchCompletionRequest,
    BatchCompletionResponse,
    ChatCompletionResponse,
    CompletionMessage,
    CompletionResponse,
    Message,
    StopReason,
    TokenLogProbs,
    ToolCall,
    ToolResponseMessage,
    UserMessage,
)
from plugstack.apis.inference.models import (
    ChatCompletion,
    ChatCompletionRequest,
    ChoiceLogprobs,
    Completion,
    CompletionLogprobs,
    CompletionRequest,
    FinishReason,
)
from plugstack.apis.inference.models import ToolCall as OpenAIToolCall
from plugstack.apis.inference.protocol import Inference
from plugstack.errors import BadRequestError
from plugstack.server.errors import describe_validation

BATCH_CONCURRENCY = 4  # requests of one batch in flight at once

STOP_REASONS: dict[FinishReason | None, StopReason] = {
    "stop": "end_of_turn",
    "length": "out_of_tokens",
    "tool_calls": "end_of_message",
    "content_filter": "end_of_turn",
    None: "end_of_turn",
}

Request = TypeVar("Request", bound=BaseModel)


def _validated(model: type[Request], fields: dict[str, Any]) -> Request:
    """The OpenAI request; what it refuses is the caller's 400, not a server error."""
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        raise BadRequestError(describe_validation(RequestValidationError(exc.errors()))) from None


def _text(content: InterleavedContent, field: str) -> str:
    try:
        return content_text(content, field)
    except ValueError as exc:
        raise BadRequestError(str(exc)) from None


def sampling_options(params: SamplingParams | None) -> dict[str, Any]:
    """Llama Stack sampling as OpenAI fields: greedy is temperature 0; top_k and a repetition
    penalty travel as the extensions llama.cpp and vLLM read."""
    if params is None:
        return {}
    strategy = params.strategy
    options: dict[str, Any] = {"temperature": 0.0}
    if isinstance(strategy, TopPSamplingStrategy):
        options = {"temperature": strategy.temperature, "top_p": strategy.top_p}
    elif isinstance(strategy, TopKSamplingStrategy):
        options = {"top_k": strategy.top_k}
    options |= {"max_tokens": params.max_tokens or None, "stop": params.stop}
    if params.repetition_penalty not in (None, 1.0):
        options["repetition_penalty"] = params.repetition_penalty
    return {key: value for key, value in options.items() if value is not None}


def _chat_message(message: Message, field: str) -> dict[str, Any]:
    text = _text(message.content, f"{field}.content")
    if isinstance(message, UserMessage) and message.context is not None:
        text = f"{text}\n\n{_text(message.context, f'{field}.context')}"
    if isinstance(message, ToolResponseMessage):
        return {"role": "tool", "content": text, "tool_call_id": message.call_id}
    if isinstance(message, CompletionMessage) and message.tool_calls:
        calls = [
            {
                "id": call.call_id,
                "function": {"name": call.tool_name, "arguments": call.arguments_json or json.dumps(call.arguments)},
            }
            for call in message.tool_calls
        ]
        return {"role": "assistant", "content": text or None, "tool_calls": calls}
    return {"role": message.role, "content": text}


def _chat_request(request: BatchChatCompletionRequest, index: int, messages: list[Message]) -> ChatCompletionRequest:
    fields: dict[str, Any] = {
        "model": request.model_id,
        "messages": [_chat_message(m, f"messages_batch[{index}][{n}]") for n, m in enumerate(messages)],
        **sampling_options(request.sampling_params),
    }
    if request.tools:
        fields["tools"] = [
            {"function": {"name": t.tool_name, "description": t.description, "parameters": t.json_schema()}}
            for t in request.tools
        ]
        choice = request.tool_config.tool_choice if request.tool_config else None
        if choice:
            named = choice not in ("auto", "required", "none")
            fields["tool_choice"] = {"function": {"name": choice}} if named else choice
    if request.response_format is not None:
        schema = {"name": "response", "schema": request.response_format.json_schema}
        fields["response_format"] = {"type": "json_schema", "json_schema": schema}
    if request.logprobs is not None:
        fields |= {"logprobs": True, "top_logprobs": request.logprobs.top_k}
    return _validated(ChatCompletionRequest, fields)


def _tool_call(call: OpenAIToolCall) -> ToolCall:
    written = call.function.arguments
    try:
        decoded = json.loads(written)
    except json.JSONDecodeError:
        decoded = None
    arguments = decoded if isinstance(decoded, dict) else written
    return ToolCall(call_id=call.id, tool_name=call.function.name, arguments=arguments, arguments_json=written)


def _chat_logprobs(logprobs: ChoiceLogprobs | None) -> list[TokenLogProbs] | None:
    if logprobs is None or logprobs.content is None:
        return None
    return [
        TokenLogProbs(
            logprobs_by_token={t.token: t.logprob for t in token.top_logprobs} or {token.token: token.logprob}
        )
        for token in logprobs.content
    ]


def _chat_response(completion: ChatCompletion) -> ChatCompletionResponse:
    choice = completion.choices[0]
    message = CompletionMessage(
        content=choice.message.content or "",
        stop_reason=STOP_REASONS[choice.finish_reason],
        tool_calls=[_tool_call(call) for call in choice.message.tool_calls or []],
    )
    return ChatCompletionResponse(completion_message=message, logprobs=_chat_logprobs(choice.logprobs))


def _completion_logprobs(logprobs: CompletionLogprobs | None) -> list[TokenLogProbs] | None:
    if logprobs is None:
        return None
    return [
        TokenLogProbs(logprobs_by_token=top or {token: chosen or 0.0})
        for token, chosen, top in zip(logprobs.tokens, logprobs.token_logprobs, logprobs.top_logprobs, strict=False)
    ]


def _completion_response(completion: Completion) -> CompletionResponse:
    choice = completion.choices[0]
    return CompletionResponse(
        content=choice.text,
        stop_reason=STOP_REASONS[choice.finish_reason],
        logprobs=_completion_logprobs(choice.logprobs),
    )


async def batch_chat_completion(
    inference: Inference, request: BatchChatCompletionRequest
) -> BatchChatCompletionResponse:
    requests = [_chat_request(request, index, messages) for index, messages in enumerate(request.messages_batch)]
    replies = await bounded_map(requests, inference.chat_completion, BATCH_CONCURRENCY)
    return BatchChatCompletionResponse(batch=[_chat_response(reply) for reply in replies])  # type: ignore[arg-type]


async def batch_completion(inference: Inference, request: BatchCompletionRequest) -> BatchCompletionResponse:
    if request.response_format is not None:
        raise BadRequestError(
            "response_format: text completions cannot be constrained; use /v1/inference/batch-chat-completion"
        )
    options = sampling_options(request.sampling_params)
    if request.logprobs is not None:
        options["logprobs"] = request.logprobs.top_k
    requests = [
        _validated(
            CompletionRequest,
            {"model": request.model_id, "prompt": _text(content, f"content_batch[{index}]"), **options},
        )
        for index, content in enumerate(request.content_batch)
    ]
    replies = await bounded_map(requests, inference.completion, BATCH_CONCURRENCY)
    return BatchCompletionResponse(batch=[_completion_response(reply) for reply in replies])  # type: ignore[arg-type]
