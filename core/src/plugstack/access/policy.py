"""run.yaml's ``server.access_policy``: permit/forbid rules on actions, resource kinds and
owner or attribute conditions, after Llama Stack's ``access_policy``.

Rules are tried in order and the first that applies decides; the built-in rules
(`DEFAULT_RULES`) come after the operator's, and nothing matching means no. So a policy only
states its exceptions: sharing (permit), restrictions (forbid), extra admins.

An owner of ``None`` is the operator: run.yaml's resources, those a provider announces, and
whatever was created while auth was off.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from plugstack.access.principal import Principal

Action = Literal["create", "read", "update", "delete"]
ALL_ACTIONS: list[Action] = ["create", "read", "update", "delete"]
ADMIN_ROLE = "admin"
# Kinds owned outside the resource registry (the registry's come from the API declarations).
OBJECT_KINDS = ("file", "vector_store", "batch", "response", "conversation", "agent", "job")

Test = Callable[[Principal, Principal | None], bool]


def _shared(attribute: str) -> Test:
    def test(user: Principal, owner: Principal | None) -> bool:
        return owner is not None and bool(
            set(user.attributes.get(attribute, ())) & set(owner.attributes.get(attribute, ()))
        )

    return test


def _has(value: str, attribute: str) -> Test:
    return lambda user, owner: value in user.attributes.get(attribute, ())


def _is_owner(user: Principal, owner: Principal | None) -> bool:
    return owner is not None and owner.principal == user.principal


def _unowned(user: Principal, owner: Principal | None) -> bool:
    return owner is None


# (pattern, test factory over the pattern's groups, negated)
_CONDITIONS: list[tuple[re.Pattern[str], Callable[..., Test], bool]] = [
    (re.compile(r"user is owner"), lambda: _is_owner, False),
    (re.compile(r"user is not owner"), lambda: _is_owner, True),
    (re.compile(r"user in owners (\w+)"), _shared, False),
    (re.compile(r"user not in owners (\w+)"), _shared, True),
    (re.compile(r"user with (\S+) in (\w+)"), _has, False),
    (re.compile(r"user with (\S+) not in (\w+)"), _has, True),
    (re.compile(r"resource is unowned"), lambda: _unowned, False),
    (re.compile(r"resource is owned"), lambda: _unowned, True),
]
SYNTAX = (
    "'user is [not] owner', 'user [not] in owners <attribute>', 'user with <value> [not] in <attribute>', "
    "'resource is unowned' or 'resource is owned'"
)


@dataclass(frozen=True)
class Condition:
    text: str
    test: Test


def parse_condition(text: str) -> Condition:
    """One condition of a rule's ``when``/``unless``; ValueError naming the syntax otherwise."""
    words = " ".join(text.split())
    for pattern, make, negated in _CONDITIONS:
        match = pattern.fullmatch(words)
        if match:
            test = make(*match.groups())
            if negated:
                return Condition(words, lambda user, owner, test=test: not test(user, owner))
            return Condition(words, test)
    raise ValueError(f"{text!r} is not a condition; one of {SYNTAX}")


def _known_kinds() -> set[str]:
    from plugstack.apis.declaration import get_declaration, served_apis  # lazy: config loads before the APIs

    registry = {r.kind.type for api in served_apis() if (d := get_declaration(api)) for r in d.resources}
    return registry | set(OBJECT_KINDS)


class Scope(BaseModel):
    """What a rule is about: who, doing what, to which resources."""

    model_config = ConfigDict(extra="forbid")

    principal: str | None = Field(default=None, description="only this principal; default: anyone")
    actions: list[Action] = Field(min_length=1, description="create, read, update, delete")
    resource: str = Field(default="*", description="'<kind>::<id>', '<kind>::*' or '*' (everything)")

    @field_validator("actions", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("resource")
    @classmethod
    def _kind_and_id(cls, value: str) -> str:
        if value == "*":
            return value
        kind, separator, identifier = value.partition("::")
        if not separator or not identifier:
            raise ValueError(f"{value!r}: write '<kind>::<id>', '<kind>::*' or '*'")
        known = _known_kinds()
        if kind not in known:
            raise ValueError(f"{kind!r} is not a resource kind; one of {', '.join(sorted(known))}")
        return value

    def covers(self, user: Principal, action: Action, kind: str, identifier: str) -> bool:
        if self.principal is not None and self.principal != user.principal:
            return False
        if action not in self.actions:
            return False
        if self.resource == "*":
            return True
        want_kind, _, want_id = self.resource.partition("::")
        return want_kind == kind and want_id in ("*", identifier)


class AccessRule(BaseModel):
    """``permit`` or ``forbid`` a scope, ``when`` all conditions hold or ``unless`` they all do."""

    model_config = ConfigDict(extra="forbid")

    permit: Scope | None = None
    forbid: Scope | None = None
    when: list[str] | None = Field(default=None, description="conditions that must all hold")
    unless: list[str] | None = Field(default=None, description="the rule does not apply when these all hold")
    description: str | None = None

    @field_validator("when", "unless", mode="before")
    @classmethod
    def _conditions(cls, value: object) -> object:
        items = [value] if isinstance(value, str) else value
        if isinstance(items, list):
            for item in items:
                if isinstance(item, str):
                    parse_condition(item)
        return items

    @model_validator(mode="after")
    def _one_decision(self) -> "AccessRule":
        if (self.permit is None) == (self.forbid is None):
            raise ValueError("give exactly one of 'permit' or 'forbid'")
        if self.when is not None and self.unless is not None:
            raise ValueError("give 'when' or 'unless', not both")
        return self

    @property
    def scope(self) -> Scope:
        scope = self.permit or self.forbid
        assert scope is not None
        return scope

    def compiled(self) -> "CompiledRule":
        conditions = tuple(parse_condition(text) for text in self.when or self.unless or ())
        return CompiledRule(self.scope, self.permit is not None, conditions, self.unless is not None)


@dataclass(frozen=True)
class CompiledRule:
    scope: Scope
    permit: bool
    conditions: tuple[Condition, ...]
    negated: bool  # an 'unless' rule

    def decides(self, user: Principal, action: Action, kind: str, identifier: str, owner: Principal | None) -> bool:
        if not self.scope.covers(user, action, kind, identifier):
            return False
        holds = all(condition.test(user, owner) for condition in self.conditions)
        return holds != self.negated if self.conditions else True


DEFAULT_RULES = (
    AccessRule(permit=Scope(actions=ALL_ACTIONS), when=[f"user with {ADMIN_ROLE} in roles"]),
    AccessRule(permit=Scope(actions=ALL_ACTIONS), when=["user is owner"]),
    AccessRule(permit=Scope(actions=["read"]), when=["resource is unowned"]),
)


class AccessPolicy:
    """The operator's rules followed by the defaults; first applying rule decides."""

    def __init__(self, rules: list[AccessRule]) -> None:
        self._rules = [rule.compiled() for rule in (*rules, *DEFAULT_RULES)]

    def allows(self, user: Principal, action: Action, kind: str, identifier: str, owner: Principal | None) -> bool:
        for rule in self._rules:
            if rule.decides(user, action, kind, identifier, owner):
                return rule.permit
        return False
