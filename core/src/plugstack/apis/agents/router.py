"""The agents API's implementation object: the one agents provider of the stack.

Conversations and responses are state of the provider that created them, so a stack's agents
API is its first agents provider (run.yaml lists it first); every call goes to it.
"""

from typing import Any

from plugstack.apis.agents.owned import OwnedAgents
from plugstack.registry.handles import ProviderHandle


def build_agents_impl(handles: list[ProviderHandle]) -> Any:
    """The provider behind the ownership checks, or a stand-in that answers 503 with why it is not running."""
    handle = handles[0]
    return OwnedAgents(handle.impl) if handle.impl is not None else _Unavailable(handle)


class _Unavailable:
    def __init__(self, handle: ProviderHandle) -> None:
        self._handle = handle

    def __getattr__(self, name: str) -> Any:
        async def unavailable(*args: Any, **kwargs: Any) -> Any:
            return self._handle.require()  # raises the 503

        return unavailable
