"""The entry point: registers `inline::meta-reference` for the agents API.

Imported by every `plugstack` command, so it stays light: the provider's modules are imported
only when a stack builds it.
"""

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict

from plugstack.apis.names import Api
from plugstack.hookspecs import hookimpl
from plugstack.spec import ProviderContext, ProviderSpec


class AgentsConfig(BaseModel):
    """No settings yet: state goes to the stack's store, limits come with each request."""

    model_config = ConfigDict(extra="forbid")


async def create(config: AgentsConfig, context: ProviderContext) -> Any:
    from plugstack_agents.provider import MetaReferenceAgents

    deps = context.deps
    agents = MetaReferenceAgents(
        deps[Api.inference],
        deps.get(Api.safety),
        deps.get(Api.tool_runtime),
        deps.get(Api.vector_io),
        context.registry,
        context.kv,
    )
    await agents.initialize()
    return agents


@hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    register(
        ProviderSpec(
            api=Api.agents,
            provider_type="inline::meta-reference",
            config_class=AgentsConfig,
            factory=create,
            api_dependencies=(Api.inference,),
            optional_api_dependencies=(Api.safety, Api.tool_runtime, Api.vector_io),
            description="Agents, Responses and Conversations on one loop: client + server tools, shields, state",
        )
    )
