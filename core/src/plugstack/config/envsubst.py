"""Env interpolation for run.yaml strings.

``${env.X}``           the value of X; an error if X is unset
``${env.X:=default}``  X if set and non-empty, else ``default``
``${env.X:+value}``    ``value`` if X is set and non-empty, else the empty string
"""

import re
from collections.abc import Mapping

_PATTERN = re.compile(r"\$\{env\.(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:=|:\+)(?P<arg>[^}]*))?\}")


class MissingEnvError(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def substitute(text: str, env: Mapping[str, str]) -> str:
    """Replace every ``${env...}`` in ``text``; raise MissingEnvError for a required unset one."""

    def replace(match: re.Match[str]) -> str:
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        value = env.get(name, "")
        if op == ":=":
            return value or arg
        if op == ":+":
            return arg if value else ""
        if name not in env:
            raise MissingEnvError(name)
        return value

    return _PATTERN.sub(replace, text)


def has_reference(text: str) -> bool:
    return _PATTERN.search(text) is not None
