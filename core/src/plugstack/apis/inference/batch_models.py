"""Request and response shapes of synchronous batch inference, as Llama Stack 0.2 served it
(`/v1/inference/batch-completion`, `/v1/inference/batch-chat-completion`; the 2024 draft's
`batch_completion` and `batch_chat_completion`): one model, many inputs, one response each.

Sampling parameters and interleaved content are the Llama Stack shapes the eval and agents
APIs already accept.
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from plugstack.apis.agents.turns import InterleavedContent
from plugstack.apis.eval.models import SamplingParams

StopReason = Literal["end_of_turn", "end_of_message", "out_of_tokens"]


class SystemMessage(BaseModel):
    role: Literal["system"] = "system"
    content: InterleavedContent


class UserMessage(BaseModel):
    role: Literal["user"] = "user"
    content: InterleavedContent
    context: InterleavedContent | None = Field(default=None, description="retrieved context, appended to content")


class ToolResponseMessage(BaseModel):
    role: Literal["tool"] = "tool"
    call_id: str = Field(min_length=1, description="the tool call this answers")
    content: InterleavedContent


class ToolCall(BaseModel):
    call_id: str
    tool_name: str
    arguments: dict[str, Any] | str = Field(description="the arguments, decoded when they are a JSON object")
    arguments_json: str | None = Field(default=None, description="the arguments as the model wrote them")


class CompletionMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: InterleavedContent = ""
    stop_reason: StopReason = "end_of_turn"
    tool_calls: list[ToolCall] = Field(default_factory=list)


Message = Annotated[UserMessage | SystemMessage | ToolResponseMessage | CompletionMessage, Field(discriminator="role")]


class ToolParamDefinition(BaseModel):
    param_type: str = Field(description="a JSON Schema type: string, integer, number, boolean, array, object")
    description: str | None = None
    required: bool = True
    default: Any = None


class ToolDefinition(BaseModel):
    """A tool the model may call: ``parameters`` (0.2) or a JSON Schema ``input_schema`` (later 0.2.x)."""

    tool_name: str = Field(pattern=r"^[a-zA-Z0-9_-]{1,64}$")
    description: str | None = None
    parameters: dict[str, ToolParamDefinition] | None = None
    input_schema: dict[str, Any] | None = None

    def json_schema(self) -> dict[str, Any]:
        if self.input_schema is not None:
            return self.input_schema
        parameters = self.parameters or {}
        properties = {
            name: {"type": p.param_type, **({"description": p.description} if p.description else {})}
            for name, p in parameters.items()
        }
        return {
            "type": "object",
            "properties": properties,
            "required": [n for n, p in parameters.items() if p.required],
        }


class ToolConfig(BaseModel):
    tool_choice: str | None = Field(default="auto", description="auto | required | none | a tool's name")
    tool_prompt_format: str | None = Field(default=None, description="accepted; the engine's chat template decides")
    system_message_behavior: Literal["append", "replace"] | None = None


class JsonSchemaResponseFormat(BaseModel):
    type: Literal["json_schema"] = "json_schema"
    json_schema: dict[str, Any] = Field(description="JSON Schema the reply follows")


class LogProbConfig(BaseModel):
    top_k: int = Field(default=0, ge=0, le=20, description="alternatives per token; 0: only the chosen token")


class BatchCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model_id: str = Field(min_length=1, description="a registered model id")
    content_batch: list[InterleavedContent] = Field(min_length=1, description="the prompts to continue")
    sampling_params: SamplingParams | None = None
    response_format: JsonSchemaResponseFormat | None = Field(
        default=None, description="refused: text completion cannot be constrained; use batch-chat-completion"
    )
    logprobs: LogProbConfig | None = None


class BatchChatCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model_id: str = Field(min_length=1, description="a registered model id")
    messages_batch: list[Annotated[list[Message], Field(min_length=1)]] = Field(
        min_length=1, description="one conversation per response"
    )
    sampling_params: SamplingParams | None = None
    tools: list[ToolDefinition] | None = None
    tool_config: ToolConfig | None = None
    response_format: JsonSchemaResponseFormat | None = None
    logprobs: LogProbConfig | None = None


class TokenLogProbs(BaseModel):
    logprobs_by_token: dict[str, float] = Field(description="log probability of each alternative token")


class CompletionResponse(BaseModel):
    content: str
    stop_reason: StopReason
    logprobs: list[TokenLogProbs] | None = None


class ChatCompletionResponse(BaseModel):
    completion_message: CompletionMessage
    logprobs: list[TokenLogProbs] | None = None


class BatchCompletionResponse(BaseModel):
    batch: list[CompletionResponse] = Field(description="one response per prompt, in order")


class BatchChatCompletionResponse(BaseModel):
    batch: list[ChatCompletionResponse] = Field(description="one response per conversation, in order")
