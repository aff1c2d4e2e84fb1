"""The access policy's decisions: the operator's rules first, then the built-in ones, first match wins."""

import pytest

from plugstack.access.policy import AccessPolicy, AccessRule
from plugstack.access.principal import Principal

ALICE = Principal(principal="alice", attributes={"teams": ["ml"]})
BOB = Principal(principal="bob", attributes={"teams": ["ml", "web"]})
CAROL = Principal(principal="carol", attributes={"teams": ["web"]})
ROOT = Principal(principal="root", attributes={"roles": ["admin"]})
OPERATOR = None


def policy(*rules: dict[str, object]) -> AccessPolicy:
    return AccessPolicy([AccessRule.model_validate(rule) for rule in rules])


@pytest.mark.parametrize(
    ("user", "action", "owner", "allowed"),
    [
        (ALICE, "delete", ALICE, True),  # an owner does everything
        (BOB, "read", ALICE, False),  # nobody else, by default
        (ROOT, "delete", ALICE, True),  # an admin does everything
        (CAROL, "read", OPERATOR, True),  # the operator's things are read by all
        (CAROL, "update", OPERATOR, False),
        (ROOT, "delete", OPERATOR, True),
        (ALICE, "create", ALICE, True),  # creating: the caller would own it
    ],
)
def test_the_defaults(user: Principal, action: str, owner: Principal | None, allowed: bool) -> None:
    assert policy().allows(user, action, "dataset", "d", owner) is allowed  # type: ignore[arg-type]


def test_a_team_rule_shares_reading_of_one_kind() -> None:
    shared = policy({"permit": {"actions": ["read"], "resource": "dataset::*"}, "when": "user in owners teams"})
    assert shared.allows(BOB, "read", "dataset", "d", ALICE)
    assert not shared.allows(BOB, "update", "dataset", "d", ALICE)
    assert not shared.allows(BOB, "read", "file", "f", ALICE)
    assert not shared.allows(CAROL, "read", "dataset", "d", ALICE)  # no team in common


def test_a_forbid_rule_comes_before_the_defaults() -> None:
    rules = policy({"forbid": {"actions": "create", "resource": "model::*"}, "unless": "user with admin in roles"})
    assert not rules.allows(ALICE, "create", "model", "m", ALICE)
    assert rules.allows(ROOT, "create", "model", "m", ROOT)
    assert rules.allows(ALICE, "create", "dataset", "d", ALICE)


def test_first_matching_rule_wins_and_principal_and_id_narrow_a_rule() -> None:
    rules = policy(
        {"forbid": {"principal": "bob", "actions": ["read"], "resource": "dataset::secret"}},
        {"permit": {"actions": ["read"]}, "when": ["user is not owner", "resource is owned"]},
    )
    assert not rules.allows(BOB, "read", "dataset", "secret", ALICE)
    assert rules.allows(BOB, "read", "dataset", "other", ALICE)
    assert rules.allows(CAROL, "read", "dataset", "secret", ALICE)


def test_negated_conditions() -> None:
    rules = policy(
        {"permit": {"actions": ["read"]}, "when": ["user with web not in teams", "user not in owners teams"]},
    )
    assert rules.allows(ROOT, "read", "file", "f", ALICE)  # admin anyway
    assert not rules.allows(CAROL, "read", "file", "f", ALICE)  # carol is in web
    assert rules.allows(Principal(principal="dan"), "read", "file", "f", ALICE)
