"""What a relaying provider hands the HTTP routes: its backend's reply as bytes, not models.

A provider in front of an OpenAI-compatible server already receives the exact JSON the client
expects; validating it into models and serialising it back would cost more than the rest of
the request and change the bytes (key order, added nulls). So the routes ask `relay` first
and send what comes back as it is; providers that are not `Relaying` (in-process engines)
take the typed path.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from plugstack.apis.inference.models import ChatCompletionRequest, CompletionRequest, EmbeddingsRequest

RelayRequest = ChatCompletionRequest | CompletionRequest | EmbeddingsRequest


@dataclass(frozen=True, slots=True)
class RelayedJson:
    """A whole JSON reply, the model already named as the client named it."""

    body: bytes


@dataclass(frozen=True, slots=True)
class RelayedStream:
    """The ``data`` payloads of a streamed reply (without ``[DONE]``), model renamed."""

    events: AsyncIterator[bytes]


Relayed = RelayedJson | RelayedStream


@runtime_checkable
class Relaying(Protocol):
    async def relay(self, request: RelayRequest, backend_model: str, body: bytes | None = None) -> Relayed:
        """Send ``request`` as the client sent it (``body``, its JSON, when there is one) but
        naming ``backend_model``; replies name the model as the client did (``request.model``)."""
        ...


_RELAYING: dict[type, bool] = {}


def relays(provider: object) -> bool:
    """``isinstance(provider, Relaying)``, remembered per class: checking a Protocol costs more
    than the rest of routing a request."""
    kind = type(provider)
    known = _RELAYING.get(kind)
    if known is None:
        known = _RELAYING[kind] = isinstance(provider, Relaying)
    return known
