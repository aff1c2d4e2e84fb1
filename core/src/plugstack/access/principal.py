"""The principal a request runs as, set by the guard middleware for the request's context.

With auth off nothing is set: every check in `plugstack.access.ownership` returns at once, so
a stack without auth pays one context-variable read per check and nothing else.
"""

from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from plugstack.access.ownership import OwnerLedger
    from plugstack.access.policy import AccessPolicy


class Principal(BaseModel):
    """A caller (an API key's principal) or the owner recorded on something it created.

    ``attributes`` (``roles``, ``teams``, ...) are what policy conditions match on; an owner
    keeps the attributes its principal had when it created the object.
    """

    model_config = ConfigDict(frozen=True)

    principal: str = Field(min_length=1, description="the name the access policy refers to")
    attributes: dict[str, list[str]] = Field(default_factory=dict, description="e.g. {roles: [admin], teams: [ml]}")


@dataclass(frozen=True)
class Caller:
    """The request's principal, with the policy and owner records it is checked against."""

    principal: Principal
    policy: "AccessPolicy"
    ledger: "OwnerLedger"


CALLER: ContextVar[Caller | None] = ContextVar("plugstack_caller", default=None)


@dataclass(frozen=True)
class StackAccess:
    """The policy and owner records of a stack with auth on, for work started outside requests."""

    policy: "AccessPolicy"
    ledger: "OwnerLedger"


# Set while the stack is assembled, so tasks providers start then (resumed work) inherit it.
STACK_ACCESS: ContextVar[StackAccess | None] = ContextVar("plugstack_stack_access", default=None)


def current_caller() -> Caller | None:
    """The caller of the request being served; None with auth off or outside a request."""
    return CALLER.get()
