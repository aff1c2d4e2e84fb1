"""Responses items and tools as chat-completion messages and tools: the loop talks to the
inference API like any OpenAI client, so every inference provider serves agents."""

from typing import Any

from plugstack.apis.agents.items import FunctionCallItem, FunctionCallOutputItem, Item, MessageItem
from plugstack.apis.agents.responses import (
    CreateResponseRequest,
    FunctionChoice,
    FunctionTool,
    TextFormatJsonObject,
    TextFormatJsonSchema,
)
from plugstack.apis.inference.models import (
    ChatMessage,
    ChatTool,
    FunctionDefinition,
    JsonSchemaFormat,
    NamedFunction,
    NamedToolChoice,
    ResponseFormatJsonObject,
    ResponseFormatJsonSchema,
    ToolCall,
    ToolCallFunction,
)


def chat_messages(instructions: str | None, items: list[Item]) -> list[ChatMessage]:
    """Consecutive function calls become one assistant message with ``tool_calls``; their
    outputs become ``tool`` messages; developer messages are system messages to templates."""
    messages = [ChatMessage(role="system", content=instructions)] if instructions else []
    for item in items:
        if isinstance(item, MessageItem):
            role = "system" if item.role == "developer" else item.role
            messages.append(ChatMessage(role=role, content=item.text()))
        elif isinstance(item, FunctionCallItem):
            call = ToolCall(id=item.call_id, function=ToolCallFunction(name=item.name, arguments=item.arguments))
            last = messages[-1] if messages else None
            if last is not None and last.role == "assistant" and last.tool_calls and not last.content:
                last.tool_calls.append(call)
            else:
                messages.append(ChatMessage(role="assistant", content=None, tool_calls=[call]))
        elif isinstance(item, FunctionCallOutputItem):
            messages.append(ChatMessage(role="tool", tool_call_id=item.call_id, content=item.output))
    return messages


def chat_tools(request: CreateResponseRequest) -> list[ChatTool] | None:
    tools = [
        ChatTool(function=FunctionDefinition(name=t.name, description=t.description, parameters=t.parameters))
        for t in request.tools or []
        if isinstance(t, FunctionTool)
    ]
    return tools or None


def chat_tool_choice(request: CreateResponseRequest, items: list[Item]) -> Any:
    """The request's tool_choice, except right after tool output: a forced choice would then
    call the tool again, and the client run it again, forever."""
    if not chat_tools(request):
        return None
    choice = request.tool_choice
    after_tool_output = bool(items) and isinstance(items[-1], FunctionCallOutputItem)
    if after_tool_output:
        return "none" if choice == "none" else "auto"
    if isinstance(choice, FunctionChoice):
        return NamedToolChoice(type="function", function=NamedFunction(name=choice.name))
    return choice


def response_format(request: CreateResponseRequest) -> Any:
    fmt = request.text.format
    if isinstance(fmt, TextFormatJsonSchema):
        schema = JsonSchemaFormat(name=fmt.name or "response", schema=fmt.schema_, strict=fmt.strict)
        return ResponseFormatJsonSchema(type="json_schema", json_schema=schema)
    if isinstance(fmt, TextFormatJsonObject):
        return ResponseFormatJsonObject(type="json_object")
    return None
