"""Responses items and tools as chat-completion messages and tools: the loop talks to the
inference API like any OpenAI client, so every inference provider serves agents."""

import json
from typing import Any

from plugstack.apis.agents.items import (
    FileSearchCallItem,
    FunctionCallItem,
    FunctionCallOutputItem,
    Item,
    McpApprovalRequestItem,
    McpApprovalResponseItem,
    McpCallItem,
    MessageItem,
)
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


def search_text(item: FileSearchCallItem) -> str:
    """What the model reads of a file search: each result's text, numbered, with its file."""
    if not item.results:
        return "file_search found nothing."
    blocks = [
        f"[{index}] {result.filename or result.file_id or 'chunk'} (score {result.score:.3f}):\n{result.text}"
        for index, result in enumerate(item.results, start=1)
    ]
    return "file_search results:\n\n" + "\n\n".join(blocks)


def chat_messages(instructions: str | None, items: list[Item]) -> list[ChatMessage]:
    """Consecutive function calls become one assistant message with ``tool_calls``; their
    outputs become ``tool`` messages; developer messages are system messages to templates. A denied
    approval becomes the call and a tool message saying so (an approved one is its ``mcp_call``)."""
    messages = [ChatMessage(role="system", content=instructions)] if instructions else []
    asked = {item.id: item for item in items if isinstance(item, McpApprovalRequestItem)}
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
        elif isinstance(item, FileSearchCallItem):
            call_id = item.id or "file_search"
            arguments = json.dumps({"query": item.queries[0] if item.queries else ""})
            call = ToolCall(id=call_id, function=ToolCallFunction(name="file_search", arguments=arguments))
            messages.append(ChatMessage(role="assistant", content=None, tool_calls=[call]))
            messages.append(ChatMessage(role="tool", tool_call_id=call_id, content=search_text(item)))
        elif isinstance(item, McpCallItem):
            call = ToolCall(
                id=item.id or item.name, function=ToolCallFunction(name=item.name, arguments=item.arguments)
            )
            messages.append(ChatMessage(role="assistant", content=None, tool_calls=[call]))
            result = item.output if item.error is None else f"error: {item.error}"
            messages.append(ChatMessage(role="tool", tool_call_id=item.id or item.name, content=result or ""))
        elif isinstance(item, McpApprovalResponseItem) and not item.approve and item.approval_request_id in asked:
            request = asked[item.approval_request_id]
            call_id = request.id or request.name
            call = ToolCall(id=call_id, function=ToolCallFunction(name=request.name, arguments=request.arguments))
            messages.append(ChatMessage(role="assistant", content=None, tool_calls=[call]))
            denied = "error: the user denied this call" + (f": {item.reason}" if item.reason else "")
            messages.append(ChatMessage(role="tool", tool_call_id=call_id, content=denied))
    return messages


def chat_tools(request: CreateResponseRequest, server_tools: list[Any]) -> list[ChatTool] | None:
    """The caller's function tools and the loop's own (``server_tools``: name, description, parameters)."""
    tools = [
        ChatTool(function=FunctionDefinition(name=t.name, description=t.description, parameters=t.parameters))
        for t in [*(t for t in request.tools or [] if isinstance(t, FunctionTool)), *server_tools]
    ]
    return tools or None


def chat_tool_choice(request: CreateResponseRequest, items: list[Item], offered: bool) -> Any:
    """The request's tool_choice, except right after tool output: a forced choice would then
    call the tool again (and the client or the loop run it again), forever."""
    if not offered:
        return None
    choice = request.tool_choice
    after_tool_output = bool(items) and isinstance(
        items[-1], FunctionCallOutputItem | McpCallItem | FileSearchCallItem | McpApprovalResponseItem
    )
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
