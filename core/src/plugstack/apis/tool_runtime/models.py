"""Tool groups, tools and tool invocations: the shapes llama-stack-client 0.3.5 sends and parses."""

import json
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from plugstack.errors import BadRequestError
from plugstack.registry.resources import Resource

PROVIDER_DATA_HEADER = "X-LlamaStack-Provider-Data"
TOOL_FAILED = 1  # error_code of a tool that ran and failed, or whose server did not answer


class McpEndpoint(BaseModel):
    uri: str = Field(min_length=1, description="the MCP server's URL (Streamable HTTP, or SSE when it ends in /sse)")


class ToolGroup(Resource):
    """A registered set of tools served by one tool_runtime provider (an MCP server, a built-in)."""

    type: Literal["tool_group"] = "tool_group"
    args: dict[str, Any] | None = Field(default=None, description="arguments the provider applies to the group")
    mcp_endpoint: McpEndpoint | None = Field(default=None, description="where an MCP group's server is")


class RegisterToolGroupRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    toolgroup_id: str = Field(min_length=1, description="the id clients use, e.g. 'mcp::weather'")
    provider_id: str | None = Field(default=None, description="default: the one provider that accepts the group")
    args: dict[str, Any] | None = None
    mcp_endpoint: McpEndpoint | None = None


class ListToolGroupsResponse(BaseModel):
    data: list[ToolGroup]


class ToolDef(BaseModel):
    """A tool as a model sees it: a name, what it does, and JSON schemas of its input and output."""

    name: str
    description: str | None = None
    input_schema: dict[str, Any] | None = Field(default=None, description="JSON Schema of the kwargs ($defs kept)")
    output_schema: dict[str, Any] | None = Field(
        default=None, description="JSON Schema of the structured result, when the tool declares one"
    )
    metadata: dict[str, Any] | None = None
    toolgroup_id: str | None = Field(default=None, description="filled in by the router")


class ListToolDefsResponse(BaseModel):
    data: list[ToolDef]


class TextContentItem(BaseModel):
    type: Literal["text"] = "text"
    text: str


class ImageURL(BaseModel):
    uri: str


class Image(BaseModel):
    data: str | None = Field(default=None, description="base64-encoded image bytes")
    url: ImageURL | None = None


class ImageContentItem(BaseModel):
    type: Literal["image"] = "image"
    image: Image


ContentItem = Annotated[TextContentItem | ImageContentItem, Field(discriminator="type")]
InterleavedContent = str | ContentItem | list[ContentItem]


class InvokeToolRequest(BaseModel):
    tool_name: str = Field(min_length=1)
    kwargs: dict[str, Any] = Field(default_factory=dict, description="the tool's arguments, as its input_schema says")


class ToolInvocationResult(BaseModel):
    """What a tool returned. A tool that ran and failed still answers 200: ``error_message`` says
    why, for the model to read and correct."""

    content: InterleavedContent | None = None
    error_code: int | None = Field(default=None, description="non-zero when the tool failed")
    error_message: str | None = None
    metadata: dict[str, Any] | None = Field(
        default=None, description="e.g. an MCP tool's structured_content, an interpreter run's exit code"
    )


def canonical_uri(uri: str) -> str:
    """The form MCP URIs are compared in: host and path, case- and trailing-slash-insensitive."""
    parts = urlsplit(uri.strip())
    return f"{parts.netloc.lower()}{parts.path.rstrip('/')}"


class ProviderData(BaseModel):
    """The tool runtime's part of the ``X-LlamaStack-Provider-Data`` header: per-request credentials.

    Its values are secrets: ``repr`` shows only which servers have headers, so logging it is safe.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    mcp_headers: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="{MCP server URI: {header: value}}, e.g. an Authorization header"
    )

    def __repr__(self) -> str:
        return f"ProviderData(mcp_headers for: {sorted(self.mcp_headers)})"

    __str__ = __repr__

    def headers_for(self, uri: str) -> dict[str, str]:
        wanted = canonical_uri(uri)
        return next((dict(h) for u, h in self.mcp_headers.items() if canonical_uri(u) == wanted), {})

    @classmethod
    def from_header(cls, value: str | None) -> "ProviderData":
        """Parse the header; errors never echo its content (it holds credentials)."""
        if not value:
            return cls()
        try:
            return cls.model_validate(json.loads(value))
        except json.JSONDecodeError:
            raise BadRequestError(f"{PROVIDER_DATA_HEADER}: not valid JSON") from None
        except ValidationError as exc:
            where = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
            raise BadRequestError(
                f"{PROVIDER_DATA_HEADER}: expected a JSON object with mcp_headers as "
                f"{{server URI: {{header: value}}}} (wrong at: {where or 'top level'})"
            ) from None


NO_PROVIDER_DATA = ProviderData()
