"""The items of OpenAI's Responses API: what a response reads (input) and writes (output), and
what a conversation holds. One set of shapes for all three, so a response's output can become
the next response's input or a conversation's items unchanged."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from plugstack.apis.cursor import sortable_id


def new_id(prefix: str) -> str:
    """``<prefix>_`` + an id that sorts by creation time (resp_..., msg_..., conv_...)."""
    return sortable_id(f"{prefix}_")


class Model(BaseModel):
    """Responses shapes keep fields they do not know (clients send newer ones), and say so in /docs."""

    model_config = ConfigDict(extra="allow")


class InputText(Model):
    type: Literal["input_text"]
    text: str


class OutputText(Model):
    type: Literal["output_text"] = "output_text"
    text: str
    annotations: list[Any] = Field(default_factory=list)


class Refusal(Model):
    type: Literal["refusal"] = "refusal"
    refusal: str


ContentPart = Annotated[InputText | OutputText | Refusal, Field(discriminator="type")]


class MessageItem(Model):
    type: Literal["message"] = "message"
    id: str | None = None
    role: Literal["user", "assistant", "system", "developer"]
    content: str | list[ContentPart]
    status: Literal["in_progress", "completed", "incomplete"] | None = None

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        texts = []
        for part in self.content:
            texts.append(part.refusal if isinstance(part, Refusal) else part.text)
        return "".join(texts)


class FunctionCallItem(Model):
    type: Literal["function_call"] = "function_call"
    id: str | None = None
    call_id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    arguments: str = Field(description="the arguments, as a JSON object in a string")
    status: Literal["in_progress", "completed", "incomplete"] | None = None


class FunctionCallOutputItem(Model):
    type: Literal["function_call_output"] = "function_call_output"
    id: str | None = None
    call_id: str = Field(min_length=1)
    output: str
    status: Literal["in_progress", "completed", "incomplete"] | None = None


class McpListToolsItem(Model):
    """The tools an MCP server offered this response (``mcp`` tool of the request)."""

    type: Literal["mcp_list_tools"] = "mcp_list_tools"
    id: str | None = None
    server_label: str
    tools: list[dict[str, Any]] = Field(default_factory=list, description="{name, description, input_schema}")
    error: str | None = None


class McpCallItem(Model):
    """A server-side tool call the loop ran: an MCP server's tool, or a registered tool group's."""

    type: Literal["mcp_call"] = "mcp_call"
    id: str | None = None
    server_label: str = Field(description="the request's server_label, or the tool group's id")
    name: str
    arguments: str
    output: str | None = None
    error: str | None = None
    status: Literal["in_progress", "completed", "incomplete", "failed"] | None = None
    approval_request_id: str | None = Field(default=None, description="the approval this call ran after")


class McpApprovalRequestItem(Model):
    """A call of an MCP tool whose ``require_approval`` holds it back: the response ends with it, and
    the caller answers with an ``mcp_approval_response`` item (``previous_response_id``)."""

    type: Literal["mcp_approval_request"] = "mcp_approval_request"
    id: str | None = None
    server_label: str
    name: str
    arguments: str = Field(description="the arguments, as a JSON object in a string")


class McpApprovalResponseItem(Model):
    """The caller's answer to an ``mcp_approval_request``: approved, the call runs; denied, the
    model is told so (with ``reason``)."""

    type: Literal["mcp_approval_response"] = "mcp_approval_response"
    id: str | None = None
    approval_request_id: str = Field(min_length=1)
    approve: bool
    reason: str | None = None


class FileSearchResult(Model):
    file_id: str | None = None
    filename: str | None = None
    score: float
    text: str
    attributes: dict[str, Any] = Field(default_factory=dict)


class FileSearchCallItem(Model):
    """A search of the request's vector stores the loop ran for the model (``file_search`` tool)."""

    type: Literal["file_search_call"] = "file_search_call"
    id: str | None = None
    queries: list[str] = Field(default_factory=list)
    status: Literal["in_progress", "searching", "completed", "incomplete", "failed"] | None = None
    results: list[FileSearchResult] | None = None


def _kind(value: Any) -> str | None:
    """An item's type; OpenAI's "easy" messages (``{role, content}``) come without one."""
    if isinstance(value, dict):
        return value.get("type") or ("message" if "role" in value else None)
    return getattr(value, "type", None)


Item = Annotated[
    Annotated[MessageItem, Tag("message")]
    | Annotated[FunctionCallItem, Tag("function_call")]
    | Annotated[FunctionCallOutputItem, Tag("function_call_output")]
    | Annotated[McpCallItem, Tag("mcp_call")]
    | Annotated[McpListToolsItem, Tag("mcp_list_tools")]
    | Annotated[McpApprovalRequestItem, Tag("mcp_approval_request")]
    | Annotated[McpApprovalResponseItem, Tag("mcp_approval_response")]
    | Annotated[FileSearchCallItem, Tag("file_search_call")],
    Discriminator(_kind),
]

ID_PREFIXES = {
    "message": "msg",
    "function_call": "fc",
    "function_call_output": "fco",
    "mcp_call": "mcp",
    "mcp_list_tools": "mcpl",
    "mcp_approval_request": "mcpr",
    "mcp_approval_response": "mcpa",
    "file_search_call": "fs",
}


def with_id(item: Any) -> Any:
    """The item as stored: with an id (its own, or a new one), a status, and a message's text as
    a content part (``input_text``, or ``output_text`` from the assistant), as OpenAI keeps it."""
    updates: dict[str, Any] = {}
    if isinstance(item, MessageItem) and isinstance(item.content, str):
        part = (
            OutputText(text=item.content)
            if item.role == "assistant"
            else InputText(type="input_text", text=item.content)
        )
        updates["content"] = [part]
    if item.id is None:
        updates["id"] = new_id(ID_PREFIXES[item.type])
    if "status" in type(item).model_fields and item.status is None:
        updates["status"] = "completed"
    return item.model_copy(update=updates) if updates else item


class ItemList(BaseModel):
    """A page of items: ``{object: "list", data, first_id, last_id, has_more}``."""

    object: Literal["list"] = "list"
    data: list[Item]
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool = False
