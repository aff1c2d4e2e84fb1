"""llama.cpp grammars for constrained decoding: JSON replies, forced tool calls, GBNF given by the caller.

A grammar restricts sampling token by token, so the output parses (and matches the schema)
by construction, even from a 135M-parameter model.
"""

import json
from typing import Any

import llama_cpp
from llama_cpp import Llama, LlamaGrammar
from llama_cpp.llama_grammar import JSON_GBNF

from plugstack.apis.inference.models import (
    ChatCompletionRequest,
    ChatTool,
    NamedToolChoice,
    ResponseFormatGrammar,
    ResponseFormatJsonObject,
    ResponseFormatJsonSchema,
)
from plugstack.errors import BadRequestError

ANY_OBJECT: dict[str, Any] = {"type": "object"}


def _from_schema(schema: dict[str, Any], field: str) -> LlamaGrammar:
    try:
        return LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
    except Exception as exc:
        raise BadRequestError(f"{field}: cannot be turned into a grammar: {type(exc).__name__}: {exc}") from exc


def tool_call_schema(tools: list[ChatTool]) -> dict[str, Any]:
    """One call object ``{"name": ..., "arguments": ...}`` of any of ``tools``."""
    variants = [
        {
            "type": "object",
            "properties": {"name": {"const": tool.function.name}, "arguments": tool.function.parameters or ANY_OBJECT},
            "required": ["name", "arguments"],
        }
        for tool in tools
    ]
    return variants[0] if len(variants) == 1 else {"anyOf": variants}


def forced_tools(request: ChatCompletionRequest) -> list[ChatTool] | None:
    """The tools one of which the reply must call, or None when the model may answer in text."""
    choice = request.tool_choice
    if not request.tools or choice is None or choice in ("none", "auto"):
        return None
    if isinstance(choice, NamedToolChoice):
        return [tool for tool in request.tools if tool.function.name == choice.function.name]
    return list(request.tools)


def chat_grammar(request: ChatCompletionRequest) -> LlamaGrammar | None:
    """The grammar a chat reply must follow: a forced tool call, then response_format, else none."""
    tools = forced_tools(request)
    if tools:
        return _from_schema(tool_call_schema(tools), "tools")
    response_format = request.response_format
    if isinstance(response_format, ResponseFormatJsonSchema):
        schema = response_format.json_schema.schema_ or ANY_OBJECT
        return _from_schema(schema, "response_format.json_schema.schema")
    if isinstance(response_format, ResponseFormatJsonObject):
        return LlamaGrammar.from_string(JSON_GBNF, verbose=False)
    if isinstance(response_format, ResponseFormatGrammar):
        return LlamaGrammar.from_string(response_format.grammar, verbose=False)  # parsed by check_grammar
    return None


def check_grammar(llama: Llama, grammar: LlamaGrammar) -> None:
    """Parse the grammar once on its own: llama.cpp answers a grammar it cannot parse with a null
    sampler, which llama-cpp-python would put in the sampling chain and crash the process on."""
    sampler = llama_cpp.llama_sampler_init_grammar(
        llama._model.vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8")
    )
    if not sampler:
        raise BadRequestError("response_format.grammar: llama.cpp cannot parse this GBNF grammar")
    llama_cpp.llama_sampler_free(sampler)
