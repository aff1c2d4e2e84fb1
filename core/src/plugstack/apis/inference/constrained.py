"""Asking a model for a reply in a fixed form, through the inference API.

Constrained decoding (llama.cpp grammars, vLLM guided decoding) makes even a 135M model answer
in the form asked for. An engine without it answers 400 naming ``response_format``: the model is
then remembered as unconstrained and asked plainly from then on, and the caller parses leniently.
"""

from plugstack.apis.inference.models import ChatCompletion, ChatCompletionRequest, ResponseFormat
from plugstack.apis.inference.protocol import Inference
from plugstack.errors import BadRequestError, ProviderFailedError


class ConstrainedReplies:
    """Chat replies constrained by a response format wherever the model's engine supports one."""

    def __init__(self, inference: Inference) -> None:
        self._inference = inference
        self._unconstrained: set[str] = set()  # models whose engine refused a response_format

    async def _text(self, request: ChatCompletionRequest) -> str:
        reply = await self._inference.chat_completion(request)
        if not isinstance(reply, ChatCompletion) or not reply.choices:
            raise ProviderFailedError(f"model {request.model!r} returned no chat completion choice")
        return reply.choices[0].message.content or ""

    async def reply(self, request: ChatCompletionRequest, response_format: ResponseFormat) -> tuple[str, bool]:
        """The reply's text, and whether ``response_format`` constrained it."""
        if request.model not in self._unconstrained:
            try:
                return await self._text(request.model_copy(update={"response_format": response_format})), True
            except BadRequestError as exc:
                if not exc.detail.startswith("response_format"):
                    raise
                self._unconstrained.add(request.model)
        return await self._text(request), False
