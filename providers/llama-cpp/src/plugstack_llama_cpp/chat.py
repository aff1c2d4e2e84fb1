"""From OpenAI chat messages to a prompt, and from model output back to tool calls.

The prompt is rendered with the GGUF's own chat template. Many templates (SmolLM2's among
them) know nothing of tools: for those, the tools are described in the system message and
the model is asked for one JSON object ``{"name": ..., "arguments": {...}}``; when a call is
required, a grammar makes that object the only possible output (see grammars.py). Earlier
calls in the conversation are shown to the model in that same format.
"""

import json
import re
import uuid
from typing import Any

from llama_cpp.llama_chat_format import CHATML_CHAT_TEMPLATE, Jinja2ChatFormatter

from plugstack.apis.inference.models import ChatMessage, ChatTool, ToolCall, ToolCallFunction
from plugstack.errors import BadRequestError

TOOL_INSTRUCTION = """You can call these functions:
{functions}

{rule} reply with only a JSON object, and nothing else: {{"name": <function name>, "arguments": <arguments object>}}"""
RULE_AUTO = "To call a function,"
RULE_REQUIRED = "You must call one of them now:"
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)
_TAGGED = re.compile(r"^<tool_call>\s*(.*?)\s*</tool_call>$", re.DOTALL)
# What a reply that is a tool call starts with; any other reply can be streamed as it comes.
CALL_OPENERS = ("{", "[", "`", "<")


class ChatPrompter:
    """Renders messages (and tools) with one model's chat template."""

    def __init__(self, template: str | None, bos_token: str, eos_token: str) -> None:
        self.template = template or CHATML_CHAT_TEMPLATE
        self.native_tools = "tools" in self.template
        self._formatter = Jinja2ChatFormatter(template=self.template, eos_token=eos_token, bos_token=bos_token)

    def render(self, messages: list[ChatMessage], tools: list[ChatTool] | None, required: bool) -> str:
        """The prompt text; a template error (e.g. roles it refuses) is the caller's 400."""
        rendered = [self._message(message) for message in messages]
        native_tools = None
        if tools:
            if self.native_tools:
                native_tools = [tool.model_dump(exclude_none=True) for tool in tools]
            else:
                rendered = _with_system_text(rendered, _tool_instruction(tools, required))
        try:
            return self._formatter(messages=rendered, tools=native_tools).prompt
        except Exception as exc:
            raise BadRequestError(f"messages: the model's chat template rejected them: {exc}") from exc

    def _message(self, message: ChatMessage) -> dict[str, Any]:
        role = "system" if message.role == "developer" else message.role
        rendered: dict[str, Any] = {"role": role, "content": message.text()}
        if message.tool_calls:
            if self.native_tools:
                rendered["tool_calls"] = [
                    {
                        "id": call.id,
                        "type": "function",
                        "function": {"name": call.function.name, "arguments": _arguments(call.function.arguments)},
                    }
                    for call in message.tool_calls
                ]
            else:
                calls = [
                    {"name": c.function.name, "arguments": _arguments(c.function.arguments)} for c in message.tool_calls
                ]
                rendered["content"] = json.dumps(calls[0] if len(calls) == 1 else calls)
        if message.tool_call_id:
            rendered["tool_call_id"] = message.tool_call_id
        if message.name:
            rendered["name"] = message.name
        return rendered


def _arguments(encoded: str) -> Any:
    try:
        return json.loads(encoded)
    except json.JSONDecodeError:
        return encoded


def _tool_instruction(tools: list[ChatTool], required: bool) -> str:
    functions = "\n".join(
        json.dumps(
            {
                "name": t.function.name,
                "description": t.function.description or "",
                "parameters": t.function.parameters or {"type": "object"},
            }
        )
        for t in tools
    )
    return TOOL_INSTRUCTION.format(functions=functions, rule=RULE_REQUIRED if required else RULE_AUTO)


def _with_system_text(messages: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    if messages and messages[0]["role"] == "system":
        first = {**messages[0], "content": f"{messages[0]['content']}\n\n{text}".strip()}
        return [first, *messages[1:]]
    return [{"role": "system", "content": text}, *messages]


def parse_tool_calls(text: str, tools: list[ChatTool]) -> list[ToolCall] | None:
    """The calls in a reply that is one call object (or a list of them), else None (plain text).

    Accepts the object bare, in a ```json fence or in <tool_call> tags, and `parameters` for
    `arguments`, which small models write as often as not.
    """
    body = text.strip()
    for pattern in (_FENCE, _TAGGED):
        match = pattern.match(body)
        if match:
            body = match.group(1)
    try:
        decoded = json.loads(body)
    except json.JSONDecodeError:
        return None
    items = decoded if isinstance(decoded, list) else [decoded]
    names = {tool.function.name for tool in tools}
    calls = []
    for item in items:
        if not isinstance(item, dict) or item.get("name") not in names:
            return None
        arguments = item.get("arguments", item.get("parameters", {}))
        if not isinstance(arguments, dict):
            return None
        function = ToolCallFunction(name=item["name"], arguments=json.dumps(arguments))
        calls.append(ToolCall(id=f"call_{uuid.uuid4().hex[:24]}", function=function))
    return calls or None
