"""Parse YAML keeping the line of every value, after env interpolation of its scalars."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from plugstack.config.envsubst import MissingEnvError, has_reference, substitute
from plugstack.config.issues import ConfigError, ConfigIssue

Path = tuple[str | int, ...]


@dataclass
class YamlSource:
    """A parsed document: plain Python data plus the line of each path in it."""

    data: Any
    source: str
    lines: dict[Path, int] = field(default_factory=dict)

    def line_of(self, path: Path) -> int | None:
        """The line of ``path`` or of its closest ancestor present in the file."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None

    def issue(self, path: Path, message: str, expected: str | None = None, found: Any = None) -> ConfigIssue:
        return ConfigIssue(path=path, line=self.line_of(path), message=message, expected=expected, found=found)


def load_yaml(text: str, source: str, env: Mapping[str, str]) -> YamlSource:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        line = mark.line + 1 if mark else None
        raise ConfigError(source, [ConfigIssue(path=(), line=line, message=f"invalid YAML: {problem}")]) from None
    if root is None:
        raise ConfigError(source, [ConfigIssue(path=(), line=1, message="the file is empty")])
    issues: list[ConfigIssue] = []
    _interpolate(root, (), env, issues)
    _drop_disabled_providers(root)
    lines: dict[Path, int] = {}
    _index_lines(root, (), lines)
    if issues:
        raise ConfigError(source, issues)
    try:
        data = yaml.SafeLoader("").construct_document(root)
    except yaml.YAMLError as exc:
        raise ConfigError(source, [ConfigIssue(path=(), line=None, message=f"invalid YAML: {exc}")]) from None
    return YamlSource(data=data, source=source, lines=lines)


def _interpolate(node: Node, path: Path, env: Mapping[str, str], issues: list[ConfigIssue]) -> None:
    if isinstance(node, ScalarNode):
        if isinstance(node.value, str) and has_reference(node.value):
            try:
                node.value = substitute(node.value, env)
            except MissingEnvError as exc:
                issues.append(
                    ConfigIssue(
                        path=path,
                        line=node.start_mark.line + 1,
                        message=f"environment variable {exc.name} is not set",
                        expected=f"{exc.name} in the environment, or a default: ${{env.{exc.name}:=value}}",
                    )
                )
                return
            if node.style is None:  # plain scalar: let '8321' become an int again, 'true' a bool
                node.tag = yaml.SafeLoader("").resolve(ScalarNode, node.value, (True, False))
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            _interpolate(item, (*path, index), env, issues)
    elif isinstance(node, MappingNode):
        for key, value in node.value:
            _interpolate(value, (*path, str(key.value)), env, issues)


def _drop_disabled_providers(root: Node) -> None:
    """A provider whose provider_id interpolates to '' is switched off: remove it."""
    providers = _child(root, "providers")
    if not isinstance(providers, MappingNode):
        return
    for _, entries in providers.value:
        if isinstance(entries, SequenceNode):
            entries.value = [entry for entry in entries.value if _provider_id(entry) != ""]


def _provider_id(entry: Node) -> str | None:
    node = _child(entry, "provider_id")
    return node.value if isinstance(node, ScalarNode) else None


def _child(node: Node, key: str) -> Node | None:
    if isinstance(node, MappingNode):
        for key_node, value in node.value:
            if key_node.value == key:
                return value
    return None


def _index_lines(node: Node, path: Path, lines: dict[Path, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)  # a key's own line wins over its value's
    if isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            _index_lines(item, (*path, index), lines)
    elif isinstance(node, MappingNode):
        for key, value in node.value:
            lines[(*path, str(key.value))] = key.start_mark.line + 1
            _index_lines(value, (*path, str(key.value)), lines)
