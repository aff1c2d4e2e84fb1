"""Request and response shapes of the inference API, as the OpenAI API defines them.

Requests accept unknown fields (clients send provider extensions such as vLLM's
``guided_json``); they are kept in ``model_extra`` and passed on to the provider. The fields
a provider acts on are typed, so a malformed one is a 400 that names it.
"""

import time
import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

FinishReason = Literal["stop", "length", "tool_calls", "content_filter"]


class OpenAIModel(BaseModel):
    model_config = ConfigDict(extra="allow", protected_namespaces=())


class ContentPart(OpenAIModel):
    type: str
    text: str | None = None


class ToolCallFunction(OpenAIModel):
    name: str
    arguments: str = Field(description="JSON-encoded arguments")


class ToolCall(OpenAIModel):
    id: str
    type: Literal["function"] = "function"
    function: ToolCallFunction


class ChatMessage(OpenAIModel):
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = None
    name: str | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None

    def text(self) -> str:
        """The message's text, joining text content parts."""
        if isinstance(self.content, list):
            return "".join(part.text or "" for part in self.content if part.type == "text")
        return self.content or ""


class FunctionDefinition(OpenAIModel):
    name: str = Field(pattern=r"^[a-zA-Z0-9_-]{1,64}$", description="the name the model calls the function by")
    description: str | None = None
    parameters: dict[str, Any] | None = Field(default=None, description="JSON Schema of the arguments object")
    strict: bool | None = None


class ChatTool(OpenAIModel):
    type: Literal["function"] = "function"
    function: FunctionDefinition


class NamedFunction(OpenAIModel):
    name: str


class NamedToolChoice(OpenAIModel):
    """Forces a call of this one function."""

    type: Literal["function"] = "function"
    function: NamedFunction


ToolChoice = Literal["none", "auto", "required"] | NamedToolChoice


class ResponseFormatText(OpenAIModel):
    type: Literal["text"]


class ResponseFormatJsonObject(OpenAIModel):
    type: Literal["json_object"]


class JsonSchemaFormat(OpenAIModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    name: str = Field(default="response", max_length=64)
    description: str | None = None
    # `schema` would shadow BaseModel.schema, hence the alias (serialized as `schema`).
    schema_: dict[str, Any] = Field(default_factory=dict, alias="schema", description="JSON Schema of the reply")
    strict: bool | None = None


class ResponseFormatJsonSchema(OpenAIModel):
    type: Literal["json_schema"]
    json_schema: JsonSchemaFormat


class ResponseFormatGrammar(OpenAIModel):
    """A plugstack (and Llama Stack) extension: the reply follows a GBNF grammar, for engines with
    constrained decoding (llama.cpp, vLLM); others answer 400 naming response_format."""

    type: Literal["grammar"]
    grammar: str = Field(min_length=1, description="GBNF grammar whose `root` rule the whole reply matches")


ResponseFormat = Annotated[
    ResponseFormatText | ResponseFormatJsonObject | ResponseFormatJsonSchema | ResponseFormatGrammar,
    Field(discriminator="type"),
]


class StreamOptions(OpenAIModel):
    include_usage: bool = False


class SamplingParams(OpenAIModel):
    """Parameters shared by chat and text completions."""

    model: str = Field(min_length=1, description="a registered model id")
    max_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, gt=0, le=1)
    stop: str | list[str] | None = None
    seed: int | None = None
    n: int = Field(default=1, ge=1, le=16)
    stream: bool = False
    stream_options: StreamOptions | None = None
    frequency_penalty: float | None = Field(default=None, ge=-2, le=2)
    presence_penalty: float | None = Field(default=None, ge=-2, le=2)
    logit_bias: dict[str, float] | None = None
    user: str | None = None

    def stop_list(self) -> list[str]:
        if self.stop is None:
            return []
        return [self.stop] if isinstance(self.stop, str) else list(self.stop)

    def include_usage(self) -> bool:
        """Whether a stream ends with a chunk carrying `usage`."""
        return bool(self.stream_options and self.stream_options.include_usage)


class ChatCompletionRequest(SamplingParams):
    messages: list[ChatMessage] = Field(min_length=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    logprobs: bool | None = None
    top_logprobs: int | None = Field(default=None, ge=0, le=20)
    tools: list[ChatTool] | None = None
    tool_choice: ToolChoice | None = None
    parallel_tool_calls: bool | None = None
    response_format: ResponseFormat | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "ChatCompletionRequest":
        if self.top_logprobs and not self.logprobs:
            raise ValueError("top_logprobs requires logprobs: true")
        if self.tool_choice is not None and self.tool_choice != "none" and not self.tools:
            raise ValueError("tool_choice requires tools")
        if isinstance(self.tool_choice, NamedToolChoice):
            names = [tool.function.name for tool in self.tools or []]
            if self.tool_choice.function.name not in names:
                raise ValueError(f"tool_choice names {self.tool_choice.function.name!r}, not one of tools {names}")
        return self

    def token_limit(self) -> int | None:
        """`max_completion_tokens` (the current name) or `max_tokens` (the deprecated one)."""
        return self.max_completion_tokens or self.max_tokens


class CompletionRequest(SamplingParams):
    prompt: str | list[str] = Field(description="the text to continue")
    echo: bool = False
    suffix: str | None = None
    logprobs: int | None = Field(default=None, ge=0, le=5, description="how many top alternatives per token")
    best_of: int | None = Field(default=None, ge=1, le=16)

    @field_validator("prompt")
    @classmethod
    def _non_empty(cls, prompt: str | list[str]) -> str | list[str]:
        # Engines assume at least one token to continue from (llama.cpp asserts on an empty prompt).
        if not prompt or (isinstance(prompt, list) and not all(prompt)):
            raise ValueError("the prompt must be non-empty text, or a non-empty list of non-empty texts")
        return prompt

    def prompts(self) -> list[str]:
        return [self.prompt] if isinstance(self.prompt, str) else list(self.prompt)


class EmbeddingsRequest(OpenAIModel):
    model: str = Field(min_length=1)
    input: str | list[str] = Field(description="text(s) to embed")
    encoding_format: Literal["float", "base64"] = "float"
    dimensions: int | None = Field(default=None, ge=1)
    user: str | None = None

    @model_validator(mode="after")
    def _non_empty(self) -> "EmbeddingsRequest":
        if isinstance(self.input, list) and not self.input:
            raise ValueError("input must hold at least one text")
        return self

    def texts(self) -> list[str]:
        return [self.input] if isinstance(self.input, str) else list(self.input)


class Usage(OpenAIModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int

    @classmethod
    def of(cls, prompt_tokens: int, completion_tokens: int) -> "Usage":
        return cls(
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            total_tokens=prompt_tokens + completion_tokens,
        )


def completion_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


class TopLogprob(OpenAIModel):
    token: str
    logprob: float
    bytes: list[int] | None = None


class TokenLogprob(TopLogprob):
    top_logprobs: list[TopLogprob] = Field(default_factory=list)


class ChoiceLogprobs(OpenAIModel):
    """Chat logprobs: one entry per generated token."""

    content: list[TokenLogprob] | None = None


class CompletionLogprobs(OpenAIModel):
    """Legacy completions logprobs: parallel lists, one entry per generated token."""

    tokens: list[str] = Field(default_factory=list)
    token_logprobs: list[float | None] = Field(default_factory=list)
    top_logprobs: list[dict[str, float] | None] = Field(default_factory=list)
    text_offset: list[int] = Field(default_factory=list)


class ChatCompletionMessage(OpenAIModel):
    role: Literal["assistant"] = "assistant"
    content: str | None = None
    tool_calls: list[ToolCall] | None = None


class ChatCompletionChoice(OpenAIModel):
    index: int
    message: ChatCompletionMessage
    finish_reason: FinishReason | None
    logprobs: ChoiceLogprobs | None = None


class ChatCompletion(OpenAIModel):
    id: str = Field(default_factory=lambda: completion_id("chatcmpl"))
    object: Literal["chat.completion"] = "chat.completion"
    created: int = Field(default_factory=lambda: int(time.time()))
    model: str
    choices: list[ChatCompletionChoice]
    usage: Usage | None = None


class ToolCallFunctionDelta(OpenAIModel):
    name: str | None = None
    arguments: str | None = None


class ToolCallDelta(OpenAIModel):
    index: int
    id: str | None = None
    type: Literal["function"] | None = None
    function: ToolCallFunctionDelta | None = None


class ChoiceDelta(OpenAIModel):
    role: Literal["assistant"] | None = None
    content: str | None = None
    tool_calls: list[ToolCallDelta] | None = None


class ChatCompletionChunkChoice(OpenAIModel):
    index: int
    delta: ChoiceDelta
    finish_reason: FinishReason | None = None
    logprobs: ChoiceLogprobs | None = None


class ChatCompletionChunk(OpenAIModel):
    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int = Field(default_factory=lambda: int(time.time()))
    model: str
    choices: list[ChatCompletionChunkChoice]
    usage: Usage | None = None


class CompletionChoice(OpenAIModel):
    index: int
    text: str
    finish_reason: Literal["stop", "length"] | None
    logprobs: CompletionLogprobs | None = None


class Completion(OpenAIModel):
    id: str = Field(default_factory=lambda: completion_id("cmpl"))
    object: Literal["text_completion"] = "text_completion"
    created: int = Field(default_factory=lambda: int(time.time()))
    model: str
    choices: list[CompletionChoice]
    usage: Usage | None = None


class Embedding(OpenAIModel):
    object: Literal["embedding"] = "embedding"
    index: int
    embedding: list[float] | str


class EmbeddingsResponse(OpenAIModel):
    object: Literal["list"] = "list"
    data: list[Embedding]
    model: str
    usage: Usage


class TextPart(OpenAIModel):
    type: Literal["text"]
    text: str


class ImageUrl(OpenAIModel):
    url: str
    detail: str | None = None


class ImagePart(OpenAIModel):
    type: Literal["image_url"]
    image_url: ImageUrl


RerankInput = str | Annotated[TextPart | ImagePart, Field(discriminator="type")]


class RerankRequest(OpenAIModel):
    """seed 002 `/v1alpha/inference/rerank`: order ``items`` by relevance to ``query``."""

    model: str = Field(min_length=1, description="a registered model id that can rerank")
    query: RerankInput = Field(description="the search query")
    items: list[RerankInput] = Field(min_length=1, description="the passages to rank")
    max_num_results: int | None = Field(default=None, ge=1, description="return at most this many; default all")


class RerankData(OpenAIModel):
    index: int = Field(description="position of the item in the request's `items`")
    relevance_score: float = Field(description="higher is more relevant")


class RerankResponse(OpenAIModel):
    data: list[RerankData] = Field(description="sorted by relevance_score, highest first")
