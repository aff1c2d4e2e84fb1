"""The entry point: registers `remote::model-context-protocol` for the tool_runtime API.

Imported by every `plugstack` command, so it stays light: the mcp SDK is imported only when a
stack builds the provider.
"""

from collections.abc import Callable
from typing import Any

from plugstack.apis.names import Api
from plugstack.hookspecs import hookimpl
from plugstack.spec import ProviderContext, ProviderSpec
from plugstack_mcp.config import McpConfig


async def create(config: McpConfig, context: ProviderContext) -> Any:
    from plugstack_mcp.provider import McpToolRuntime

    return McpToolRuntime(config)


@hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    register(
        ProviderSpec(
            api=Api.tool_runtime,
            provider_type="remote::model-context-protocol",
            config_class=McpConfig,
            factory=create,
            pip_packages=("mcp==2.3.0",),
            description="Tool groups whose tools live on MCP servers (Streamable HTTP, or SSE for URIs ending in /sse)",
        )
    )
