"""Config problems, collected and shown together: path, line, expected, found."""

from dataclasses import dataclass
from typing import Any


def format_path(path: tuple[str | int, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


@dataclass(frozen=True)
class ConfigIssue:
    path: tuple[str | int, ...]
    line: int | None
    message: str
    expected: str | None = None
    found: Any = None

    def render(self, source: str) -> str:
        where = f"{source}:{self.line}" if self.line else source
        text = f"{where}: {format_path(self.path)}: {self.message}"
        if self.expected:
            text += f"\n    expected: {self.expected}"
        if self.found is not None:
            text += f"\n    found:    {_short(self.found)}"
        return text


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class ConfigError(Exception):
    """run.yaml is wrong; nothing starts. The CLI prints ``str(error)`` and exits 2."""

    def __init__(self, source: str, issues: list[ConfigIssue]) -> None:
        self.source = source
        self.issues = sorted(issues, key=lambda issue: issue.line or 0)
        super().__init__(self.render())

    def render(self) -> str:
        count = len(self.issues)
        head = f"invalid run config {self.source} ({count} problem{'s' if count != 1 else ''}):"
        return "\n".join([head, *(issue.render(self.source) for issue in self.issues)])
