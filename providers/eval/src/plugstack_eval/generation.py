"""A model candidate's answers: each row's chat, sent through the inference API."""

from plugstack.apis.eval.models import ModelCandidate, TopKSamplingStrategy, TopPSamplingStrategy
from plugstack.apis.inference.models import ChatCompletionRequest, ChatMessage, ContentPart
from plugstack.apis.inference.protocol import Inference


def chat_request(candidate: ModelCandidate, messages: list[ChatMessage]) -> ChatCompletionRequest:
    """Llama Stack sampling params as OpenAI ones: greedy is temperature 0; top_k and a
    repetition penalty travel as the extensions llama.cpp and vLLM read."""
    sampling = candidate.sampling_params
    options: dict[str, object] = {}
    strategy = sampling.strategy
    if isinstance(strategy, TopPSamplingStrategy):
        if strategy.temperature is not None:
            options["temperature"] = strategy.temperature
        if strategy.top_p is not None:
            options["top_p"] = strategy.top_p
    elif isinstance(strategy, TopKSamplingStrategy):
        options["top_k"] = strategy.top_k
    else:
        options["temperature"] = 0.0
    if sampling.max_tokens:
        options["max_tokens"] = sampling.max_tokens
    if sampling.stop:
        options["stop"] = sampling.stop
    if sampling.repetition_penalty not in (None, 1.0):
        options["repetition_penalty"] = sampling.repetition_penalty
    system: list[ChatMessage] = []
    if candidate.system_message is not None:
        content = candidate.system_message.content
        system.append(ChatMessage(role="system", content=[content] if isinstance(content, ContentPart) else content))
    return ChatCompletionRequest(model=candidate.model, messages=[*system, *messages], **options)  # type: ignore[arg-type]


async def generate(inference: Inference, candidate: ModelCandidate, messages: list[ChatMessage]) -> str:
    reply = await inference.chat_completion(chat_request(candidate, messages))
    choices = reply.choices  # type: ignore[union-attr]
    return (choices[0].message.content or "") if choices else ""
