"""A file's text, by its type (the file name's extension): what gets chunked and embedded.

Text and Markdown are read as they are; JSON is re-indented; CSV rows become ``column: value``
lines, so each chunk carries its column names; HTML loses its markup, scripts and styles; PDF
pages go through pypdf (a maintained pure-Python parser, imported only for PDFs). A file
without an extension is read as text. The type is checked when a file is attached (400 for
an unsupported one); parsing itself runs later, in a worker thread.
"""

import csv
import io
import json
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import PurePosixPath

from plugstack.errors import BadRequestError


class InvalidFileError(ValueError):
    """The file has a supported type but its content cannot be read as one."""


def _decode(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise InvalidFileError("the content is binary, not text")
    return data.decode("utf-8-sig", errors="replace")


def _json(data: bytes) -> str:
    try:
        return json.dumps(json.loads(_decode(data)), indent=1, ensure_ascii=False)
    except json.JSONDecodeError as exc:
        raise InvalidFileError(f"not valid JSON: {exc}") from None


def _json_lines(data: bytes) -> str:
    lines = [line for line in _decode(data).splitlines() if line.strip()]
    try:
        return "\n".join(json.dumps(json.loads(line), ensure_ascii=False) for line in lines)
    except json.JSONDecodeError as exc:
        raise InvalidFileError(f"not valid JSON lines: {exc}") from None


def _table(delimiter: str) -> Callable[[bytes], str]:
    def parse(data: bytes) -> str:
        rows = csv.reader(io.StringIO(_decode(data)), delimiter=delimiter)
        header = next(rows, [])
        lines = ["; ".join(f"{name}: {value}" for name, value in zip(header, row, strict=False)) for row in rows]
        return "\n".join(line for line in lines if line)

    return parse


class _HTMLText(HTMLParser):
    SKIPPED = frozenset({"script", "style", "noscript", "template"})
    BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article"})

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIPPED:
            self._skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED:
            self._skipping = max(0, self._skipping - 1)

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def _html(data: bytes) -> str:
    parser = _HTMLText()
    parser.feed(_decode(data))
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def _pdf(data: bytes) -> str:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:
        raise InvalidFileError("reading PDF needs pypdf (pip install pypdf)") from None
    try:
        reader = PdfReader(io.BytesIO(data))
        return "\n\n".join(page.extract_text() or "" for page in reader.pages)
    except PdfReadError as exc:
        raise InvalidFileError(f"not a readable PDF: {exc}") from None


_PLAIN = ("", ".txt", ".text", ".md", ".markdown", ".rst", ".log", ".yaml", ".yml", ".toml", ".xml", ".tex")
PARSERS: dict[str, Callable[[bytes], str]] = {
    **dict.fromkeys(_PLAIN, _decode),
    ".json": _json,
    ".jsonl": _json_lines,
    ".ndjson": _json_lines,
    ".csv": _table(","),
    ".tsv": _table("\t"),
    ".html": _html,
    ".htm": _html,
    ".pdf": _pdf,
}


def parser_for(filename: str) -> Callable[[bytes], str]:
    """The parser of the file's type; 400 naming the type when there is none."""
    suffix = PurePosixPath(filename).suffix.lower()
    parser = PARSERS.get(suffix)
    if parser is None:
        supported = ", ".join(sorted(s for s in PARSERS if s))
        raise BadRequestError(
            f"file {filename!r}: type {suffix!r} is not supported for vector stores; supported: {supported}"
        )
    return parser
