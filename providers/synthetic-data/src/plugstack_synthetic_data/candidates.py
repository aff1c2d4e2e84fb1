"""Generating a dialog's k candidates through the inference router.

The candidates are the ``n`` choices of one chat completion request (engines that sample
several continuations of one prompt do it in one go); a provider that answers with fewer
choices is asked again for the rest.
"""

from plugstack.apis.eval.models import SamplingParams
from plugstack.apis.inference.batch_inference import sampling_options
from plugstack.apis.inference.models import ChatCompletion, ChatCompletionRequest, ChatMessage
from plugstack.apis.inference.protocol import Inference
from plugstack.errors import ProviderFailedError


def chat_request(model: str, dialog: list[ChatMessage], sampling: SamplingParams) -> ChatCompletionRequest:
    return ChatCompletionRequest(model=model, messages=dialog, **sampling_options(sampling))


async def generate(inference: Inference, request: ChatCompletionRequest, k: int, seed: int | None) -> list[ChatMessage]:
    """``k`` candidates for ``request``'s dialog; with ``seed``, choice i is sampled with seed + i."""
    candidates: list[ChatMessage] = []
    while len(candidates) < k:
        ask = request.model_copy(
            update={"n": k - len(candidates), "seed": None if seed is None else seed + len(candidates)}
        )
        completion = await inference.chat_completion(ask)
        if not isinstance(completion, ChatCompletion) or not completion.choices:
            raise ProviderFailedError(f"model {request.model!r} answered a chat completion with no choices")
        candidates += [ChatMessage(role="assistant", content=c.message.content or "") for c in completion.choices]
    return candidates[:k]
