"""MCP's tool and result types in the tool runtime's shapes, schemas passed through untouched."""

import mcp_types as types

from plugstack.apis.tool_runtime.models import (
    TOOL_FAILED,
    ContentItem,
    Image,
    ImageContentItem,
    ImageURL,
    TextContentItem,
    ToolDef,
    ToolInvocationResult,
)


def tool_def(tool: types.Tool, uri: str) -> ToolDef:
    metadata = {"endpoint": uri}
    if tool.title:
        metadata["title"] = tool.title
    return ToolDef(
        name=tool.name,
        description=tool.description,
        input_schema=tool.input_schema,
        output_schema=tool.output_schema,
        metadata=metadata,
    )


def _item(block: types.ContentBlock) -> ContentItem:
    if isinstance(block, types.TextContent):
        return TextContentItem(text=block.text)
    if isinstance(block, types.ImageContent):
        return ImageContentItem(image=Image(url=ImageURL(uri=f"data:{block.mime_type};base64,{block.data}")))
    if isinstance(block, types.EmbeddedResource) and isinstance(block.resource, types.TextResourceContents):
        return TextContentItem(text=block.resource.text)
    # audio, resource links, binary resources: the model gets their description as JSON
    return TextContentItem(text=block.model_dump_json(by_alias=True, exclude_none=True))


def invocation_result(result: types.CallToolResult) -> ToolInvocationResult:
    content = [_item(block) for block in result.content]
    metadata = None if result.structured_content is None else {"structured_content": result.structured_content}
    if not result.is_error:
        return ToolInvocationResult(content=content, metadata=metadata)
    message = "\n".join(item.text for item in content if isinstance(item, TextContentItem))
    return ToolInvocationResult(
        content=content,
        error_code=TOOL_FAILED,
        error_message=message or "the tool reported an error",
        metadata=metadata,
    )
