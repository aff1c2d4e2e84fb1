"""/v1alpha/agents: agents, sessions, turns and steps, in the shapes llama-stack-client 0.3.5
sends and parses (AGENTS-WIRE §1.1, §2A). Where the seed spec differs (a bare AgentConfig body,
``session_name`` as a query parameter) both are accepted.

A turn runs on the same loop as /v1/responses: a session is a conversation, a turn one or more
responses in it, and its steps are what the loop did (shield calls, inference, tool execution).
"""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from plugstack.apis.safety.models import SafetyViolation

ContentItem = dict[str, Any]  # {type: text, text} | {type: image, image: ...}
InterleavedContent = str | ContentItem | list[ContentItem]


def content_text(content: InterleavedContent, field: str) -> str:
    """The text of interleaved content; images are refused (no vision model is served)."""
    items = content if isinstance(content, list) else [content]
    texts = []
    for item in items:
        if isinstance(item, str):
            texts.append(item)
        elif item.get("type") == "text":
            texts.append(str(item.get("text", "")))
        else:
            raise ValueError(f"{field}: only text content is served here, not {item.get('type')!r}")
    return "".join(texts)


def now() -> datetime:
    return datetime.now(UTC)


class Lenient(BaseModel):
    """Client shapes carry fields added in later releases: keep them, never fail on them."""

    model_config = ConfigDict(extra="allow")


class ToolDef(Lenient):
    name: str = Field(pattern=r"^[a-zA-Z0-9_-]{1,64}$")
    description: str | None = None
    input_schema: dict[str, Any] | None = Field(default=None, description="JSON Schema of the arguments")
    parameters: list[dict[str, Any]] | None = Field(default=None, description="the 0.2 form: a list of parameters")

    def json_schema(self) -> dict[str, Any]:
        if self.input_schema is not None:
            return self.input_schema
        properties = {
            p["name"]: {"type": p.get("parameter_type", "string"), "description": p.get("description", "")}
            for p in self.parameters or []
        }
        required = [p["name"] for p in self.parameters or [] if p.get("required", True)]
        return {"type": "object", "properties": properties, "required": required}


class ToolConfig(Lenient):
    tool_choice: str | None = Field(default=None, description="auto | required | none | a tool's name")
    tool_prompt_format: str | None = None
    system_message_behavior: Literal["append", "replace"] | None = None


class SamplingStrategy(Lenient):
    type: Literal["greedy", "top_p", "top_k"] = "greedy"
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None


class SamplingParams(Lenient):
    strategy: SamplingStrategy = Field(default_factory=SamplingStrategy)
    max_tokens: int | None = None
    repetition_penalty: float | None = None
    stop: list[str] | None = None


class ToolgroupWithArgs(Lenient):
    name: str
    args: dict[str, Any] = Field(default_factory=dict)


class AgentConfig(Lenient):
    model: str = Field(min_length=1)
    instructions: str
    name: str | None = None
    client_tools: list[ToolDef] | None = None
    toolgroups: list[str | ToolgroupWithArgs] | None = None
    tool_choice: str | None = Field(default=None, description="deprecated: tool_config.tool_choice")
    tool_prompt_format: str | None = None
    tool_config: ToolConfig | None = None
    sampling_params: SamplingParams | None = None
    response_format: dict[str, Any] | None = None
    input_shields: list[str] | None = None
    output_shields: list[str] | None = None
    max_infer_iters: int | None = Field(default=10, ge=1, le=100)
    enable_session_persistence: bool | None = False

    @model_validator(mode="after")
    def _one_tool_choice(self) -> "AgentConfig":
        configured = self.tool_config.tool_choice if self.tool_config else None
        if self.tool_choice and configured and self.tool_choice != configured:
            raise ValueError("tool_choice is deprecated. Use tool_choice in tool_config instead.")
        return self

    def chosen_tool(self, turn_config: ToolConfig | None) -> str | None:
        for config in (turn_config, self.tool_config):
            if config is not None and config.tool_choice:
                return config.tool_choice
        return self.tool_choice


class CreateAgentRequest(BaseModel):
    agent_config: AgentConfig

    @model_validator(mode="before")
    @classmethod
    def _bare_config(cls, data: Any) -> Any:
        """The seed spec's body is the AgentConfig itself; the client wraps it."""
        if isinstance(data, dict) and "agent_config" not in data and "model" in data:
            return {"agent_config": data}
        return data


class AgentCreated(BaseModel):
    agent_id: str


class AgentInfo(BaseModel):
    agent_id: str
    agent_config: AgentConfig
    created_at: datetime = Field(default_factory=now)


class PaginatedList(BaseModel):
    data: list[dict[str, Any]]
    has_more: bool = False
    url: str | None = None


class CreateSessionRequest(BaseModel):
    session_name: str = Field(min_length=1)


class SessionCreated(BaseModel):
    session_id: str


class UserMessage(Lenient):
    role: Literal["user"] = "user"
    content: InterleavedContent
    context: InterleavedContent | None = None


class ToolResponseMessage(Lenient):
    role: Literal["tool"] = "tool"
    call_id: str = Field(min_length=1)
    content: InterleavedContent


class Document(Lenient):
    content: InterleavedContent | dict[str, Any]
    mime_type: str


class CreateTurnRequest(BaseModel):
    messages: list[Annotated[UserMessage | ToolResponseMessage, Field(discriminator="role")]] = Field(min_length=1)
    documents: list[Document] | None = None
    stream: bool = False
    tool_config: ToolConfig | None = None
    toolgroups: list[str | ToolgroupWithArgs] | None = None


class ToolCall(BaseModel):
    call_id: str
    tool_name: str
    arguments: str = Field(description="the arguments as a JSON string")


class ToolResponse(Lenient):
    call_id: str = Field(min_length=1)
    tool_name: str
    content: InterleavedContent
    metadata: dict[str, Any] | None = None


class ResumeTurnRequest(BaseModel):
    tool_responses: list[ToolResponse] = Field(min_length=1)
    stream: bool = False

    @model_validator(mode="before")
    @classmethod
    def _single_response(cls, data: Any) -> Any:
        """The seed spec's body is one ToolResponse; the client sends ``{tool_responses, stream}``."""
        if isinstance(data, dict) and "tool_responses" not in data and "call_id" in data:
            return {"tool_responses": [data]}
        return data


StopReason = Literal["end_of_turn", "end_of_message", "out_of_tokens"]


class CompletionMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: InterleavedContent = ""
    stop_reason: StopReason = "end_of_turn"
    tool_calls: list[ToolCall] = Field(default_factory=list)


class StepBase(BaseModel):
    step_id: str
    turn_id: str
    started_at: datetime | None = None
    completed_at: datetime | None = None


class InferenceStep(StepBase):
    step_type: Literal["inference"] = "inference"
    model_response: CompletionMessage


class ToolExecutionStep(StepBase):
    step_type: Literal["tool_execution"] = "tool_execution"
    tool_calls: list[ToolCall]
    tool_responses: list[ToolResponse] = Field(default_factory=list)


class ShieldCallStep(StepBase):
    step_type: Literal["shield_call"] = "shield_call"
    violation: SafetyViolation | None = None


Step = Annotated[InferenceStep | ToolExecutionStep | ShieldCallStep, Field(discriminator="step_type")]


class Turn(BaseModel):
    turn_id: str
    session_id: str
    input_messages: list[Annotated[UserMessage | ToolResponseMessage, Field(discriminator="role")]]
    steps: list[Step] = Field(default_factory=list)
    output_message: CompletionMessage = Field(default_factory=CompletionMessage)
    output_attachments: list[dict[str, Any]] = Field(default_factory=list)
    started_at: datetime = Field(default_factory=now)
    completed_at: datetime | None = None


class Session(BaseModel):
    session_id: str
    session_name: str
    started_at: datetime = Field(default_factory=now)
    turns: list[Turn] = Field(default_factory=list)


class StepResponse(BaseModel):
    step: Step


class TurnEvent(BaseModel):
    payload: dict[str, Any] = Field(description="event_type plus that event's fields")


class TurnStreamChunk(BaseModel):
    """One SSE frame of a streamed turn: ``{"event": {"payload": {...}}}``."""

    event: TurnEvent
