"""run.yaml's server.auth keys and server.access_policy: a malformed entry names its field."""

import textwrap

import pytest

from plugstack.config.issues import ConfigError
from plugstack.config.load import parse_run_config
from plugstack.plugins import Catalog

BASE = """\
version: 1
distribution: test
apis: [inference]
providers:
  inference:
    - {provider_id: backend, provider_type: remote::unreachable, config: {url: "http://127.0.0.1:9/v1"}}
server:
"""


def load(server: str, catalog: Catalog) -> object:
    return parse_run_config(BASE + textwrap.indent(textwrap.dedent(server), "  "), "run.yaml", catalog, {})


def error(server: str, catalog: Catalog) -> str:
    with pytest.raises(ConfigError) as info:
        load(server, catalog)
    message = info.value.render()
    assert "Traceback" not in message
    return message


KEYS = """\
auth:
  api_keys:
    - plain-key
    - {key: k2, principal: alice, attributes: {teams: [ml], roles: [admin]}}
"""


def test_plain_keys_and_principals_with_a_policy_load(catalog: Catalog) -> None:
    policy = """\
    access_policy:
      - permit: {principal: alice, actions: read, resource: "dataset::*"}
      - forbid: {actions: [create, delete], resource: "model::*"}
        unless: user with admin in roles
      - permit: {actions: [read, update]}
        when: [user in owners teams, resource is owned]
    """
    loaded = load(KEYS + textwrap.dedent(policy), catalog)
    rules = loaded.config.server.access_policy  # type: ignore[attr-defined]
    assert [rule.scope.actions for rule in rules] == [["read"], ["create", "delete"], ["read", "update"]]


@pytest.mark.parametrize(
    ("policy", "field", "says"),
    [
        ("- permit: {actions: [read]}\n  when: user is friend", "server.access_policy[0].when", "is not a condition"),
        ("- permit: {actions: [read], resource: 'modle::*'}", "server.access_policy[0].permit.resource", "'modle'"),
        ("- permit: {actions: [read], resource: model}", "server.access_policy[0].permit.resource", "<kind>::<id>"),
        ("- permit: {actions: [share]}", "server.access_policy[0].permit.actions[0]", "create"),
        ("- permit: {actions: [read]}\n  forbid: {actions: [read]}", "server.access_policy[0]", "exactly one"),
        ("- {when: user is owner}", "server.access_policy[0]", "exactly one"),
        ("- permit: {actions: [read], who: me}", "server.access_policy[0].permit.who", "unknown field"),
        ("- permit: {actions: []}", "server.access_policy[0].permit.actions", "at least 1"),
    ],
)
def test_a_malformed_rule_names_its_field(catalog: Catalog, policy: str, field: str, says: str) -> None:
    message = error(KEYS + "access_policy:\n" + textwrap.indent(policy, "  ") + "\n", catalog)
    assert field in message and says in message, message


def test_a_key_entry_without_its_key_names_the_field(catalog: Catalog) -> None:
    message = error("auth:\n  api_keys:\n    - {principal: alice}\n", catalog)
    assert "server.auth.api_keys[0]" in message and "key" in message, message


def test_a_policy_without_auth_is_refused(catalog: Catalog) -> None:
    message = error("access_policy:\n  - permit: {actions: [read]}\n", catalog)
    assert "server" in message and "access_policy needs server.auth" in message, message


def test_throttle_settings_are_checked(catalog: Catalog) -> None:
    message = error(KEYS + "  throttle: {max_failures: 0}\n", catalog)
    assert "server.auth.throttle.max_failures" in message, message


def test_an_empty_key_is_refused(catalog: Catalog) -> None:
    message = error('auth:\n  api_keys: ["", key-2]\n', catalog)
    assert "server.auth.api_keys[0]" in message and "the key is empty" in message, message
