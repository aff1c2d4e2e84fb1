"""From a dataset URI to a local file and its format.

Local paths (plain or ``file://``) are read in place and never written to; which ones may be
read is the provider's decision, made before anything here touches the file. ``data:`` URIs
are decoded, and ``http(s)://`` URLs downloaded (through the core's guarded fetcher), once
into the dataset's own directory; a restart reuses that copy, which is also what the
registry's reference to a large data: URI points at.
"""

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, unquote_to_bytes, urlsplit
from urllib.request import url2pathname

from plugstack.apis.datasetio.data_uris import digest, referenced_digest
from plugstack.errors import BadRequestError, ForbiddenError
from plugstack.net.fetch import FetchPolicy, fetch_to_file

Format = Literal["jsonl", "json", "csv", "parquet"]
FORMATS: tuple[Format, ...] = ("jsonl", "json", "csv", "parquet")
_SUFFIXES: dict[str, Format] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".jsonlines": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
_MEDIA_WORDS: tuple[tuple[str, Format], ...] = (
    ("jsonl", "jsonl"),
    ("ndjson", "jsonl"),
    ("jsonlines", "jsonl"),
    ("json", "json"),
    ("csv", "csv"),
    ("parquet", "parquet"),
)
FETCH_RECORD = "fetched.json"


@dataclass(frozen=True)
class LocalFile:
    path: Path
    format: Format


def scheme_of(uri: str) -> str:
    """The URI's scheme, lower-case; a plain path (no scheme) counts as ``file``."""
    if uri.startswith("data:"):
        return "data"
    scheme = urlsplit(uri).scheme.lower()
    if len(scheme) <= 1 or "://" not in uri:  # a plain path, or a Windows drive letter
        return "file"
    return scheme


def short(uri: str, limit: int = 80) -> str:
    """A URI short enough for an error message (data: URIs can be megabytes)."""
    return uri if len(uri) <= limit else uri[: limit - 1] + "…"


def format_of_name(name: str) -> Format | None:
    return _SUFFIXES.get(Path(name.lower()).suffix)


def format_of_media_type(media_type: str) -> Format | None:
    media_type = media_type.lower()
    return next((fmt for word, fmt in _MEDIA_WORDS if word in media_type), None)


def _unknown_format(uri: str) -> BadRequestError:
    suffixes = ", ".join(sorted(_SUFFIXES))
    return BadRequestError(f"cannot tell the format of {short(uri)}: name it with one of {suffixes}")


def local_path(uri: str) -> Path:
    if uri.lower().startswith("file://"):
        parts = urlsplit(uri)
        return Path(url2pathname(unquote(parts.netloc + parts.path))).expanduser()
    return Path(uri).expanduser()


def readable_path(path: Path, readable_dirs: list[Path], uri: str) -> Path:
    """``path`` resolved (symlinks followed first), if it lies in one of ``readable_dirs``
    (resolved already). A refusal reads the same whether the path exists or not, and says
    nothing of what it holds."""
    try:
        resolved: Path | None = path.expanduser().resolve()
    except (OSError, RuntimeError):  # a symlink loop
        resolved = None
    if resolved is None or not any(resolved.is_relative_to(folder) for folder in readable_dirs):
        raise ForbiddenError(
            f"cannot read {short(uri)}: it is not under a directory this provider may read (its allowed_dirs)"
        )
    return resolved


def fetch(path_or_uri: Path | str, workdir: Path, policy: FetchPolicy) -> LocalFile:
    """The local file behind a source: a (checked) local ``Path`` itself, or a copy made in ``workdir``."""
    if isinstance(path_or_uri, Path):
        return _local_file(path_or_uri)
    uri = path_or_uri
    fetched = _fetched(uri, workdir)
    if fetched is not None:
        return fetched
    scheme = scheme_of(uri)
    if referenced_digest(uri) is not None:
        raise BadRequestError(
            f"the stored copy of this dataset's data: URI ({short(uri)}) is gone; register it again with its data"
        )
    if scheme == "data":
        local = _decode_data_uri(uri, workdir)
    elif scheme in ("http", "https"):
        local = _download(uri, workdir, policy)
    else:
        raise BadRequestError(f"cannot read {short(uri)}: unsupported URI scheme {scheme!r}")
    _record(uri, workdir, local)
    return local


def _local_file(path: Path) -> LocalFile:
    fmt = format_of_name(path.name)
    if fmt is None:
        raise _unknown_format(str(path))
    if not path.is_file():
        raise BadRequestError(f"cannot read {short(str(path))}: not a file")
    if not os.access(path, os.R_OK):
        raise BadRequestError(f"cannot read {short(str(path))}: permission denied")
    return LocalFile(path, fmt)


def _fetched(uri: str, workdir: Path) -> LocalFile | None:
    """The copy made for this very URI (or the one a registry reference names) earlier, if it is still there."""
    try:
        record = json.loads((workdir / FETCH_RECORD).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    path = workdir / record["file"]
    if record.get("uri_sha256") != (referenced_digest(uri) or digest(uri)) or not path.is_file():
        return None
    return LocalFile(path, record["format"])


def _record(uri: str, workdir: Path, local: LocalFile) -> None:
    record = {"uri_sha256": digest(uri), "file": local.path.name, "format": local.format}
    (workdir / FETCH_RECORD).write_text(json.dumps(record))


def _decode_data_uri(uri: str, workdir: Path) -> LocalFile:
    """``data:[<media type>][;base64],<data>``; the media type names the format (``data:csv;base64,...``)."""
    header, comma, payload = uri[len("data:") :].partition(",")
    if not comma:
        raise BadRequestError("a data: URI needs a ',' between its media type and its data")
    params = header.split(";")
    fmt = format_of_media_type(params[0])
    if fmt is None:
        raise BadRequestError(
            f"the data: URI's media type {params[0]!r} names no known format; use one of: {', '.join(FORMATS)} "
            "(e.g. 'data:text/csv;base64,...')"
        )
    try:
        data = base64.b64decode(payload, validate=True) if "base64" in params[1:] else unquote_to_bytes(payload)
    except ValueError as exc:
        raise BadRequestError(f"the data: URI's base64 payload is invalid: {exc}") from None
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"source.{fmt}"
    path.write_bytes(data)
    return LocalFile(path, fmt)


def _download(url: str, workdir: Path, policy: FetchPolicy) -> LocalFile:
    """Streamed to disk under the policy's limits; the format from the final URL's name or the media type."""
    workdir.mkdir(parents=True, exist_ok=True)
    partial = workdir / "download.partial"
    fetched = fetch_to_file(url, partial, policy)
    fmt = format_of_name(urlsplit(fetched.url).path) or format_of_media_type(fetched.content_type)
    if fmt is None:
        partial.unlink(missing_ok=True)
        raise _unknown_format(url)
    path = workdir / f"source.{fmt}"
    os.replace(partial, path)
    return LocalFile(path, fmt)
