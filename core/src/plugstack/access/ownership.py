"""Owner records and the checks every owned object goes through, in one place for the core's
routers (registry tables, files, vector stores, batches, agents) and any provider.

Registry resources carry their owner in the resource itself; other objects (files, vector
stores, responses, ...) have it in the `OwnerLedger`, keyed by kind and id, in the registry's
storage backend. No record means the operator owns it (made while auth was off, or by the stack).

Reading something the caller may not read is a 404 that reads like a missing one; changing
something it may read but not change is a 403.
"""

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from plugstack.access.policy import Action
from plugstack.access.principal import CALLER, STACK_ACCESS, Caller, Principal, current_caller
from plugstack.errors import ForbiddenError, NotFoundError
from plugstack.storage.kv import KVStore

T = TypeVar("T")


class OwnerLedger:
    """``<kind>:<id>`` → the owning principal, for objects kept outside the resource registry."""

    def __init__(self, kv: KVStore) -> None:
        self._kv = kv

    async def record(self, kind: str, identifier: str, owner: Principal) -> None:
        await self._kv.set(f"{kind}:{identifier}", owner.model_dump_json())

    async def owner(self, kind: str, identifier: str) -> Principal | None:
        raw = await self._kv.get(f"{kind}:{identifier}")
        return Principal.model_validate_json(raw) if raw is not None else None

    async def owners(self, kind: str) -> dict[str, Principal]:
        prefix = f"{kind}:"
        items = await self._kv.items(prefix=prefix)
        return {key[len(prefix) :]: Principal.model_validate_json(value) for key, value in items}

    async def forget(self, kind: str, identifier: str) -> None:
        await self._kv.delete(f"{kind}:{identifier}")


def noun(kind: str) -> str:
    return kind.replace("_", " ")


def owner_for_new() -> Principal | None:
    """The owner to record on something the current request creates (None: the operator)."""
    caller = current_caller()
    return caller.principal if caller else None


def decide(caller: Caller, action: Action, kind: str, identifier: str, owner: Principal | None) -> None:
    """Raise unless the policy allows ``action``: 404 when the caller may not even read it."""
    if caller.policy.allows(caller.principal, action, kind, identifier, owner):
        return
    if action != "read" and caller.policy.allows(caller.principal, "read", kind, identifier, owner):
        raise ForbiddenError(f"principal {caller.principal.principal!r} may not {action} {noun(kind)} {identifier!r}")
    raise NotFoundError(f"{noun(kind)} {identifier!r} not found")


def check_owned(action: Action, kind: str, identifier: str, owner: Principal | None) -> None:
    """`decide` for an object whose owner is at hand (a registry resource); no-op with auth off."""
    caller = current_caller()
    if caller is not None:
        decide(caller, action, kind, identifier, owner)


def may_read(kind: str, identifier: str, owner: Principal | None) -> bool:
    caller = current_caller()
    return caller is None or caller.policy.allows(caller.principal, "read", kind, identifier, owner)


async def check_create(kind: str, identifier: str = "*") -> None:
    """403 when the policy does not let the caller create this kind of object."""
    caller = current_caller()
    if caller is not None and not caller.policy.allows(caller.principal, "create", kind, identifier, caller.principal):
        raise ForbiddenError(f"principal {caller.principal.principal!r} may not create a {noun(kind)}")


async def record_created(kind: str, identifier: str) -> None:
    """Make the caller the owner of what it just created (ledger kinds)."""
    caller = current_caller()
    if caller is not None:
        await caller.ledger.record(kind, identifier, caller.principal)


async def require(
    kind: str, identifier: str, action: Action, fetch: Callable[[], Awaitable[Any]] | None = None
) -> None:
    """Check ``action`` on a ledger object. ``fetch`` (the provider's own get) is awaited
    before a 403 on an unrecorded id, so a missing object stays the provider's 404."""
    caller = current_caller()
    if caller is None:
        return
    owner = await caller.ledger.owner(kind, identifier)
    try:
        decide(caller, action, kind, identifier, owner)
    except ForbiddenError:
        if owner is None and fetch is not None:
            await fetch()
        raise


async def act_as_owner(kind: str, identifier: str) -> None:
    """Run the rest of the current task as the owner of an object, for work a provider resumes
    outside any request (at start-up), so what it creates is that owner's and not the operator's."""
    access = STACK_ACCESS.get()
    if access is None or current_caller() is not None:
        return
    owner = await access.ledger.owner(kind, identifier)
    if owner is not None:
        CALLER.set(Caller(owner, access.policy, access.ledger))


async def forget(kind: str, identifier: str) -> None:
    """Drop the owner record of a deleted object."""
    caller = current_caller()
    if caller is not None:
        await caller.ledger.forget(kind, identifier)


async def readable(kind: str, items: Iterable[T], key: Callable[[T], str]) -> list[T]:
    """The ``items`` the caller may read, in their order (all of them with auth off)."""
    caller = current_caller()
    if caller is None:
        return list(items)
    owners = await caller.ledger.owners(kind)
    allows = caller.policy.allows
    return [item for item in items if allows(caller.principal, "read", kind, key(item), owners.get(key(item)))]
