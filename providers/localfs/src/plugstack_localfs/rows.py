"""Row stores: random access to a dataset's rows without loading them all.

- `JsonlRows`: a JSON-lines file plus an index of line offsets (built once, persisted next to
  the dataset's state and rebuilt when the file changes). A page is one seek and one read, and
  rows come back exactly as written (no type coercion). It also serves as the append log.
- `ArrowRows`: an Arrow IPC file, memory-mapped; used for csv and parquet, whose values are
  typed already. A page is a zero-copy slice.
- `ListRows`: rows given inline at registration.
"""

import base64
import datetime
import json
import os
from array import array
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc

from plugstack.apis.datasetio.models import DatasetPurpose, Row
from plugstack.apis.datasetio.purposes import SHAPES, Shape, misfit, missing_column
from plugstack.errors import BadRequestError, ProviderFailedError

INDEX_VERSION = 1


class RowStore(Protocol):
    def __len__(self) -> int: ...

    def read(self, start: int, stop: int) -> list[Row]:
        """Rows ``start`` (inclusive) to ``stop`` (exclusive); both within ``0..len(self)``."""
        ...


def fingerprint(path: Path) -> tuple[int, int]:
    """(size, mtime in ns): a file with the same fingerprint is taken to be unchanged."""
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


class ListRows:
    def __init__(self, rows: list[Row]) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def read(self, start: int, stop: int) -> list[Row]:
        return self._rows[start:stop]


class JsonlRows:
    """Rows of a JSON-lines file, found through an in-memory array of line start offsets.

    ``offsets`` holds the start of every non-blank line and, last, the end of the final one;
    rows ``a..b`` are the non-blank lines between ``offsets[a]`` and ``offsets[b]``.
    """

    def __init__(
        self, path: Path, offsets: array, label: str, index: Path | None = None, purpose: DatasetPurpose | None = None
    ) -> None:
        self.path = path
        self._offsets = offsets
        self._label = label
        self._index = index
        self._purpose = purpose
        self._seen = fingerprint(path)

    @classmethod
    def open(cls, path: Path, index: Path, purpose: DatasetPurpose, label: str) -> "JsonlRows":
        """Use the persisted index when it matches the file; otherwise scan, check and persist."""
        offsets = _load_index(index, fingerprint(path))
        if offsets is None:
            offsets = _scan(path, purpose, label)
            _save_index(index, fingerprint(path), offsets)
        return cls(path, offsets, label, index, purpose)

    @classmethod
    def open_log(cls, path: Path) -> "JsonlRows":
        """An append log of our own: created empty, and a torn last line (a crash mid-append) cut off."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
        with path.open("r+b") as f:
            size = f.seek(0, os.SEEK_END)
            if size:
                f.seek(size - 1)
                if f.read(1) != b"\n":  # only the last line can lack its newline: keep the whole ones
                    f.seek(0)
                    f.truncate(sum(len(line) for line in f if line.endswith(b"\n")))
        return cls(path, _scan(path, None, str(path)), str(path))

    def __len__(self) -> int:
        self._refresh()
        return len(self._offsets) - 1 if self._offsets else 0

    def read(self, start: int, stop: int) -> list[Row]:
        if start >= stop:
            return []
        self._refresh()
        begin = self._offsets[start]
        with self.path.open("rb") as f:
            f.seek(begin)
            chunk = f.read(self._offsets[stop] - begin)
        try:
            return [json.loads(line) for line in chunk.split(b"\n") if line.strip()]
        except json.JSONDecodeError as exc:
            raise ProviderFailedError(f"{self._label} changed while it was being read: {exc}") from None

    def _refresh(self) -> None:
        """A user's file edited since it was indexed is indexed (and checked) again."""
        if self._index is None:
            return
        seen = fingerprint(self.path)
        if seen != self._seen:
            offsets = _scan(self.path, self._purpose, self._label)  # a 400 here keeps the old index
            _save_index(self._index, seen, offsets)
            self._offsets, self._seen = offsets, seen

    def append(self, rows: Sequence[Row]) -> None:
        """Write the rows and fsync before they count, so an acknowledged append survives a crash."""
        if not rows:
            return
        lines = [json.dumps(row, ensure_ascii=False).encode() + b"\n" for row in rows]
        end = self._offsets[-1] if self._offsets else 0
        with self.path.open("ab") as f:
            f.write(b"".join(lines))
            f.flush()
            os.fsync(f.fileno())
        if not self._offsets:
            self._offsets.append(0)
        for line in lines:
            end += len(line)
            self._offsets.append(end)
        self._seen = fingerprint(self.path)


def _scan(path: Path, purpose: DatasetPurpose | None, label: str) -> array:
    """One pass over the file: offsets of non-blank lines, each parsed and checked against ``purpose``."""
    offsets = array("Q")
    position = last_end = 0
    with path.open("rb") as f:
        for line_number, line in enumerate(f, start=1):
            if line.strip():
                if purpose is not None:
                    _check_line(line, line_number, len(offsets), purpose, label)
                offsets.append(position)
                last_end = position + len(line)
            position += len(line)
    if offsets:
        offsets.append(last_end)
    return offsets


def _check_line(line: bytes, line_number: int, row: int, purpose: DatasetPurpose, label: str) -> None:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BadRequestError(f"row {row} (line {line_number}) of {label} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise BadRequestError(f"row {row} (line {line_number}) of {label} is not a JSON object")
    column = misfit(purpose, value)
    if column is not None:
        raise missing_column(purpose, column, row, f" of {label}")


def _load_index(index: Path, seen: tuple[int, int]) -> array | None:
    """The persisted offsets, read straight into an array, if they were made from this very file."""
    header, offsets = array("Q"), array("Q")
    try:
        with index.open("rb") as f:
            header.fromfile(f, 3)
            if tuple(header) != (INDEX_VERSION, *seen):
                return None
            offsets.fromfile(f, (index.stat().st_size - f.tell()) // offsets.itemsize)
    except (FileNotFoundError, EOFError):
        return None
    return offsets


def _save_index(index: Path, seen: tuple[int, int], offsets: array) -> None:
    """Written to a temporary file and renamed, so a crash never leaves half an index."""
    index.parent.mkdir(parents=True, exist_ok=True)
    partial = index.with_suffix(".partial")
    with partial.open("wb") as f:
        array("Q", [INDEX_VERSION, *seen]).tofile(f)
        offsets.tofile(f)
    os.replace(partial, index)


class ArrowRows:
    """An Arrow IPC file, memory-mapped: only the pages read are ever paged in."""

    def __init__(self, table: pa.Table, label: str) -> None:
        self._table = table
        self._label = label

    @classmethod
    def open(cls, path: Path, purpose: DatasetPurpose, label: str) -> "ArrowRows":
        table = pa.ipc.open_file(pa.memory_map(str(path))).read_all()  # buffers keep the map open
        check_table(table, purpose, label)
        return cls(table, label)

    def __len__(self) -> int:
        return self._table.num_rows

    def read(self, start: int, stop: int) -> list[Row]:
        return [json_values(row) for row in self._table.slice(start, stop - start).to_pylist()]


def check_table(table: pa.Table, purpose: DatasetPurpose, label: str) -> None:
    """Every row fits a shape of the purpose: decided on whole columns, only a misfit row is read."""
    fits: pa.ChunkedArray | None = None
    for shape in SHAPES[purpose]:
        shape_fits = _shape_fits(table, shape)
        if shape_fits is not None:
            fits = shape_fits if fits is None else pc.or_(fits, shape_fits)
    if fits is not None and pc.all(fits, min_count=0).as_py():
        return
    first = 0 if fits is None else pc.index(fits, False).as_py()
    row = table.slice(first, 1).to_pylist()[0] if table.num_rows else {}
    column = misfit(purpose, row)
    assert column is not None, "a row that fits a shape is never picked"
    where = f" of {label}"
    if not set(column) & set(table.column_names):
        where += f" (its columns: {', '.join(table.column_names)})"
    raise missing_column(purpose, column, first, where)


def _shape_fits(table: pa.Table, shape: Shape) -> pa.ChunkedArray | None:
    """Which rows fill every column of the shape; None when the table lacks one of them entirely."""
    fits = None
    for column in shape:
        present = [pc.is_valid(table.column(name)) for name in column if name in table.column_names]
        if not present:
            return None
        filled = present[0]
        for other in present[1:]:
            filled = pc.or_(filled, other)
        fits = filled if fits is None else pc.and_(fits, filled)
    return fits


def json_values(value: Any) -> Any:
    """Arrow's Python values made JSON-ready: dates as ISO text, bytes as base64, decimals as text."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, dict):
        return {key: json_values(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_values(item) for item in value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


class DatasetRows:
    """A dataset as its clients see it: the source's rows, then the rows appended since."""

    def __init__(self, base: RowStore, appended: JsonlRows) -> None:
        self.base = base
        self.appended = appended

    def __len__(self) -> int:
        return len(self.base) + len(self.appended)

    def read(self, start: int, stop: int) -> list[Row]:
        split = len(self.base)
        rows = self.base.read(start, min(stop, split)) if start < split else []
        if stop > split:
            rows += self.appended.read(max(start, split) - split, stop - split)
        return rows
