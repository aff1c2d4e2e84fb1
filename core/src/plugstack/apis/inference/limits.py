"""Requests that cannot fit a model's context are refused before any engine work.

An engine tokenises a prompt on the model's own thread: a 10 MB prompt held the model for
seconds only to be refused. No token is shorter than one character nor, in practice, longer
than ``MAX_CHARS_PER_TOKEN``, so a prompt of more characters than that times the context
cannot fit whatever it tokenises to, and is refused by its length alone. A completion budget
(`max_tokens`) over the context is refused too, as OpenAI does, instead of silently capped.
"""

from plugstack.apis.inference.models import ChatCompletionRequest, CompletionRequest
from plugstack.errors import BadRequestError

MAX_CHARS_PER_TOKEN = 16


def check_within_context(request: ChatCompletionRequest | CompletionRequest, context_tokens: int) -> None:
    """A 400 naming the field and the model's context when ``request`` cannot fit it."""
    if isinstance(request, ChatCompletionRequest):
        budget_field = "max_completion_tokens" if request.max_completion_tokens else "max_tokens"
        budget, prompt_field = request.token_limit(), "messages"
        chars = sum(len(message.text()) for message in request.messages)
    else:
        budget_field, budget, prompt_field = "max_tokens", request.max_tokens, "prompt"
        chars = max(len(prompt) for prompt in request.prompts())
    if budget is not None and budget > context_tokens:
        raise BadRequestError(
            f"{budget_field}: {budget} is over the model's context of {context_tokens} tokens (prompt included)"
        )
    if chars > context_tokens * MAX_CHARS_PER_TOKEN:
        raise BadRequestError(
            f"{prompt_field}: {chars} characters cannot fit the model's context of {context_tokens} tokens"
        )
