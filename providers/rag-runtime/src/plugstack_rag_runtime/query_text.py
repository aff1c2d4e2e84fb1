"""What is searched for: the content's texts joined (``default``), or a query an LLM writes from
them (``llm``: the template is Jinja, rendered in a sandbox since it comes from the client)."""

from typing import Any

from plugstack.apis.inference.models import ChatCompletionRequest, ChatMessage
from plugstack.apis.tool_runtime.rag import DefaultQueryGeneratorConfig, LLMQueryGeneratorConfig
from plugstack.errors import BadRequestError

FIELD = "query_config.query_generator_config"


def _prompt(template: str, texts: list[str]) -> str:
    from jinja2.sandbox import SandboxedEnvironment

    try:
        return SandboxedEnvironment().from_string(template).render(messages=texts)
    except Exception as exc:  # noqa: BLE001 - the template is the client's: whatever it does wrong is a 400
        raise BadRequestError(f"{FIELD}.template: {type(exc).__name__}: {exc}") from None


async def query_text(
    config: DefaultQueryGeneratorConfig | LLMQueryGeneratorConfig, texts: list[str], inference: Any | None
) -> str:
    """The query; 400 when it comes out empty."""
    if isinstance(config, DefaultQueryGeneratorConfig):
        query = config.separator.join(texts)
    else:
        if inference is None:
            raise BadRequestError(f"{FIELD}: type 'llm' needs the inference API, which this stack does not serve")
        request = ChatCompletionRequest(
            model=config.model, messages=[ChatMessage(role="user", content=_prompt(config.template, texts))]
        )
        completion = await inference.chat_completion(request)
        query = completion.choices[0].message.content or ""
    if not query.strip():
        raise BadRequestError("content: give some text to search for")
    return query
