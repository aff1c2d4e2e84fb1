"""One-time conversions of a source file into the form its rows are served from.

json arrays become JSON lines (served by offset, values as written); csv and parquet become
an Arrow IPC file (memory-mapped slices). Each result records the fingerprint of the file it
came from, so a restart reuses it and an edited source is converted again.
"""

import json
from collections.abc import Callable, Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from plugstack.errors import BadRequestError
from plugstack_localfs.rows import fingerprint


def derived(source: Path, target: Path, build: Callable[[Path, Path], None]) -> Path:
    """``target``, built from ``source`` unless it already was from this very version of it."""
    stamp = target.with_name(target.name + ".from")
    seen = "{} {}".format(*fingerprint(source))
    if target.is_file() and stamp.is_file() and stamp.read_text() == seen:
        return target
    partial = target.with_name(target.name + ".partial")
    build(source, partial)
    partial.replace(target)
    stamp.write_text(seen)
    return target


def json_to_jsonl(source: Path, target: Path) -> None:
    """A .json file holds one array of row objects."""
    try:
        rows = json.loads(source.read_bytes())
    except json.JSONDecodeError as exc:
        raise BadRequestError(f"{source.name} is not valid JSON: {exc}") from None
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise BadRequestError(f"{source.name} must hold a JSON array of objects (use .jsonl for one object per line)")
    with target.open("wb") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False).encode() + b"\n")


def csv_to_arrow(source: Path, target: Path) -> None:
    """Column types are inferred (numbers become numbers), as pandas would for the same file."""
    try:
        table = pa_csv.read_csv(source)
    except pa.ArrowInvalid as exc:
        raise BadRequestError(f"{source.name} is not a readable CSV file: {exc}") from None
    _write_ipc(target, table.schema, table.to_batches())


def parquet_to_arrow(source: Path, target: Path) -> None:
    """Streamed batch by batch, so a large file is never whole in memory."""
    try:
        parquet = pq.ParquetFile(source)
        _write_ipc(target, parquet.schema_arrow, parquet.iter_batches())
    except (pa.ArrowInvalid, OSError) as exc:
        raise BadRequestError(f"{source.name} is not a readable parquet file: {exc}") from None


def _write_ipc(target: Path, schema: pa.Schema, batches: Iterable[pa.RecordBatch]) -> None:
    with pa.OSFile(str(target), "wb") as sink, pa.ipc.new_file(sink, schema) as writer:
        for batch in batches:
            writer.write_batch(batch)
