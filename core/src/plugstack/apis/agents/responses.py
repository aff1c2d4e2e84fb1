"""/v1/responses: OpenAI's Responses API, the shapes the openai client and llama-stack-client's
`Agent` send and parse (AGENTS-WIRE §1.6, §2B)."""

import time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from plugstack.apis.agents.items import Item, Model

DEFAULT_MAX_INFER_ITERS = 10


class FunctionTool(Model):
    type: Literal["function"]
    name: str = Field(pattern=r"^[a-zA-Z0-9_-]{1,64}$")
    description: str | None = None
    parameters: dict[str, Any] | None = Field(default=None, description="JSON Schema of the arguments object")
    strict: bool | None = None


class FileSearchTool(Model):
    type: Literal["file_search"]
    vector_store_ids: list[str] = Field(min_length=1)
    filters: dict[str, Any] | None = None
    max_num_results: int | None = Field(default=None, ge=1, le=50)
    ranking_options: dict[str, Any] | None = None


class McpTool(Model):
    type: Literal["mcp"]
    server_label: str = Field(min_length=1)
    server_url: str = Field(min_length=1)
    headers: dict[str, str] | None = None
    require_approval: Any = "never"
    allowed_tools: list[str] | dict[str, Any] | None = None


class WebSearchTool(Model):
    type: Literal["web_search", "web_search_preview", "web_search_preview_2025_03_11"]
    search_context_size: str | None = None


Tool = Annotated[FunctionTool | FileSearchTool | McpTool | WebSearchTool, Field(discriminator="type")]


class FunctionChoice(Model):
    type: Literal["function"]
    name: str


ToolChoice = Literal["auto", "none", "required"] | FunctionChoice


class TextFormatText(Model):
    type: Literal["text"] = "text"


class TextFormatJsonSchema(Model):
    model_config = ConfigDict(extra="allow", populate_by_name=True, serialize_by_alias=True)

    type: Literal["json_schema"]
    name: str | None = None
    schema_: dict[str, Any] = Field(alias="schema")
    description: str | None = None
    strict: bool | None = None


class TextFormatJsonObject(Model):
    type: Literal["json_object"]


TextFormat = Annotated[TextFormatText | TextFormatJsonSchema | TextFormatJsonObject, Field(discriminator="type")]


class TextConfig(Model):
    format: TextFormat = Field(default_factory=TextFormatText)


class ConversationRef(Model):
    id: str


class CreateResponseRequest(Model):
    model: str = Field(min_length=1)
    input: str | list[Item] = Field(description="a user message, or input items")
    instructions: str | None = Field(default=None, description="a system message before everything else")
    previous_response_id: str | None = Field(default=None, description="continue after that response")
    conversation: str | ConversationRef | None = Field(
        default=None, description="a conversation (conv_...) the input and output are appended to"
    )
    store: bool = True
    stream: bool = False
    tools: list[Tool] | None = None
    tool_choice: ToolChoice = "auto"
    text: TextConfig = Field(default_factory=TextConfig)
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, gt=0, le=1)
    max_output_tokens: int | None = Field(default=None, ge=1)
    max_infer_iters: int = Field(default=DEFAULT_MAX_INFER_ITERS, ge=1, le=100)
    parallel_tool_calls: bool = True
    metadata: dict[str, str] | None = None
    guardrails: list[str | dict[str, Any]] | None = Field(
        default=None, description="shield ids checked on the input and on the answer (a Llama Stack extra)"
    )
    toolgroups: list[str | dict[str, Any]] | None = Field(
        default=None,
        description="registered tool groups whose tools the loop runs server-side ('group' or 'group/tool', "
        "or {name, args}); a plugstack extension, what /v1alpha/agents turns use",
    )
    input_guardrails: list[str] | None = Field(default=None, description="shields checked on the input only")
    output_guardrails: list[str] | None = Field(default=None, description="shields checked on the answer only")

    @model_validator(mode="after")
    def _consistent(self) -> "CreateResponseRequest":
        if self.conversation is not None and self.previous_response_id is not None:
            raise ValueError("conversation and previous_response_id cannot be used together")
        if self.conversation_id is not None and not self.conversation_id.startswith("conv_"):
            raise ValueError(f"conversation: {self.conversation_id!r} is not a conversation id (conv_...)")
        if isinstance(self.input, list) and not self.input:
            raise ValueError("input: give at least one item")
        if isinstance(self.tool_choice, FunctionChoice):
            names = [tool.name for tool in self.tools or [] if isinstance(tool, FunctionTool)]
            if self.tool_choice.name not in names:
                raise ValueError(f"tool_choice names {self.tool_choice.name!r}, not one of the function tools {names}")
        return self

    @property
    def conversation_id(self) -> str | None:
        return self.conversation.id if isinstance(self.conversation, ConversationRef) else self.conversation

    def shields(self) -> tuple[list[str], list[str]]:
        """(input shields, output shields): ``guardrails`` count for both."""
        both = [g if isinstance(g, str) else str(g.get("type") or g.get("shield_id")) for g in self.guardrails or []]
        return [*both, *(self.input_guardrails or [])], [*both, *(self.output_guardrails or [])]


class ResponseError(BaseModel):
    code: str
    message: str


class InputTokensDetails(BaseModel):
    cached_tokens: int = 0


class OutputTokensDetails(BaseModel):
    reasoning_tokens: int = 0


class ResponseUsage(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    input_tokens_details: InputTokensDetails = Field(default_factory=InputTokensDetails)
    output_tokens_details: OutputTokensDetails = Field(default_factory=OutputTokensDetails)

    def add(self, prompt_tokens: int, completion_tokens: int) -> None:
        self.input_tokens += prompt_tokens
        self.output_tokens += completion_tokens
        self.total_tokens = self.input_tokens + self.output_tokens


ResponseStatus = Literal["in_progress", "completed", "failed", "incomplete", "cancelled"]


class ResponseObject(BaseModel):
    id: str
    object: Literal["response"] = "response"
    created_at: int = Field(default_factory=lambda: int(time.time()))
    model: str
    status: ResponseStatus = "in_progress"
    output: list[Item] = Field(default_factory=list)
    error: ResponseError | None = None
    incomplete_details: dict[str, Any] | None = None
    instructions: str | None = None
    max_output_tokens: int | None = None
    parallel_tool_calls: bool = True
    previous_response_id: str | None = None
    conversation: ConversationRef | None = None
    temperature: float | None = None
    top_p: float | None = None
    tool_choice: ToolChoice = "auto"
    tools: list[Tool] = Field(default_factory=list)
    text: TextConfig = Field(default_factory=TextConfig)
    truncation: Literal["disabled"] = "disabled"
    usage: ResponseUsage | None = None
    metadata: dict[str, str] = Field(default_factory=dict)
    store: bool = True


class ResponseDeleted(BaseModel):
    id: str
    object: Literal["response"] = "response"
    deleted: bool = True


class ResponseList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ResponseObject]
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool = False


class StreamEvent(Model):
    """One server-sent event of a streamed response (``response.created`` ... ``response.completed``)."""

    type: str
    sequence_number: int
