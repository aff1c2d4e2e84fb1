"""`SqliteVecEngine`: every store's chunks in one SQLite file, through apsw.

One ``chunks`` table holds every chunk (text, client content and metadata as JSON, the file's
attributes as JSON); each store adds a ``vec0`` table (sqlite-vec: float32 vectors, exact
cosine KNN) and an FTS5 table (BM25) whose rowids are the chunks' ids, so a filter is a
subquery on ``chunks`` inside the nearest-neighbour search. Per-store tables keep a store's
dimension its own and its BM25 statistics unmixed with other stores'.

With ``vector_search="binary"`` a store's vectors are also loaded, at its first vector query,
into a `VectorMatrix` (sign-bit scan, exact rescoring), which every later write updates once
its transaction has committed; the ``vec0`` table stays the durable copy.

apsw rather than the standard library's sqlite3: it bundles a current SQLite with extension
loading enabled, which many Pythons' sqlite3 lack (pyenv's here, macOS's system one), and
ships wheels for Linux, macOS and Windows (pysqlite3-binary is Linux-only; sqlean.py lags
SQLite releases). All statements run on one connection in one worker thread, in order.
"""

import asyncio
import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import apsw
import numpy as np
import numpy.typing as npt
import sqlite_vec

from plugstack.apis.vector_io.filters import Filter
from plugstack.apis.vector_io.models import AttributeMap, ScoredChunk, StoredChunk
from plugstack_sqlite_vec.config import SqliteVecConfig
from plugstack_sqlite_vec.matrix import VectorMatrix
from plugstack_sqlite_vec.sql_filters import where

Result = TypeVar("Result")
WORD = re.compile(r"\w+")
SCHEMA = """
CREATE TABLE IF NOT EXISTS indexes (
    store_id TEXT PRIMARY KEY, key INTEGER UNIQUE NOT NULL, dimension INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY, store_key INTEGER NOT NULL, chunk_id TEXT NOT NULL, file_id TEXT,
    text TEXT NOT NULL, record TEXT NOT NULL, attributes TEXT NOT NULL, UNIQUE (store_key, chunk_id));
CREATE INDEX IF NOT EXISTS chunks_by_file ON chunks (store_key, file_id);
"""
CHUNK_COLUMNS = "c.id, c.chunk_id, c.file_id, c.text, c.record, c.attributes"


def _vector(values: list[float]) -> bytes:
    return np.asarray(values, dtype=np.float32).tobytes()


def _fts_query(text: str) -> str | None:
    """Any of the text's words, each quoted so FTS5 syntax in a query is just text."""
    words = dict.fromkeys(word.lower() for word in WORD.findall(text))
    return " OR ".join(f'"{word}"' for word in words) or None


def _chunk(row: tuple[Any, ...]) -> StoredChunk:
    _, chunk_id, file_id, text, record, attributes = row
    return StoredChunk(
        chunk_id=chunk_id, file_id=file_id, text=text, attributes=json.loads(attributes), **json.loads(record)
    )


class SqliteVecEngine:
    """Implements `plugstack.apis.vector_io.protocol.VectorEngine` in one SQLite file."""

    def __init__(self, path: Path, config: SqliteVecConfig) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._config = config
        self._matrices: dict[int, VectorMatrix] = {}  # by index key, loaded at the first vector query
        self._connection = apsw.Connection(str(path))
        self._connection.enable_load_extension(True)
        self._connection.load_extension(sqlite_vec.loadable_path())
        self._connection.enable_load_extension(False)
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=NORMAL")
        self._connection.execute(SCHEMA)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-vec")

    async def _run(self, work: Callable[..., Result], *args: Any) -> Result:
        return await asyncio.get_running_loop().run_in_executor(self._executor, work, *args)

    def _key(self, store_id: str) -> int:
        row = self._connection.execute("SELECT key FROM indexes WHERE store_id = ?", (store_id,)).fetchone()
        if row is None:
            raise KeyError(f"no index for vector store {store_id!r}")
        return int(row[0])

    # indexes

    def _create_index(self, store_id: str, dimension: int) -> None:
        with self._connection:
            (key,) = self._connection.execute("SELECT coalesce(max(key), 0) + 1 FROM indexes").fetchone()
            self._connection.execute(
                f"CREATE VIRTUAL TABLE vec_{key} USING vec0(embedding float[{dimension}] distance_metric=cosine)"
            )
            self._connection.execute(f"CREATE VIRTUAL TABLE fts_{key} USING fts5(text, tokenize='unicode61')")
            self._connection.execute(
                "INSERT INTO indexes (store_id, key, dimension) VALUES (?, ?, ?)", (store_id, key, dimension)
            )

    async def create_index(self, store_id: str, dimension: int) -> None:
        await self._run(self._create_index, store_id, dimension)

    def _delete_index(self, store_id: str) -> None:
        row = self._connection.execute("SELECT key FROM indexes WHERE store_id = ?", (store_id,)).fetchone()
        if row is None:
            return
        key = int(row[0])
        with self._connection:
            self._connection.execute(f"DROP TABLE IF EXISTS vec_{key}")
            self._connection.execute(f"DROP TABLE IF EXISTS fts_{key}")
            self._connection.execute("DELETE FROM chunks WHERE store_key = ?", (key,))
            self._connection.execute("DELETE FROM indexes WHERE key = ?", (key,))
        self._matrices.pop(key, None)

    async def delete_index(self, store_id: str) -> None:
        await self._run(self._delete_index, store_id)

    async def index_ids(self) -> list[str]:
        return await self._run(lambda: [row[0] for row in self._connection.execute("SELECT store_id FROM indexes")])

    # chunks

    def _delete_rows(self, key: int, ids: list[int]) -> None:
        for row_id in ids:
            self._connection.execute(f"DELETE FROM vec_{key} WHERE rowid = ?", (row_id,))
            self._connection.execute(f"DELETE FROM fts_{key} WHERE rowid = ?", (row_id,))
            self._connection.execute("DELETE FROM chunks WHERE id = ?", (row_id,))

    def _add_chunks(self, store_id: str, chunks: list[StoredChunk], embeddings: list[list[float]]) -> None:
        key = self._key(store_id)
        vectors = np.asarray(embeddings, dtype=np.float32).reshape(len(chunks), -1)
        removed: list[int] = []  # rows that were there before this call
        added: dict[int, int] = {}  # row id -> its vector's index, for the rows this call leaves
        with self._connection:
            for index, (chunk, vector) in enumerate(zip(chunks, vectors, strict=True)):
                existing = [
                    row[0]
                    for row in self._connection.execute(
                        "SELECT id FROM chunks WHERE store_key = ? AND chunk_id = ?", (key, chunk.chunk_id)
                    )
                ]
                self._delete_rows(key, existing)
                removed += [row_id for row_id in existing if added.pop(row_id, None) is None]
                record = chunk.model_dump_json(include={"content", "metadata", "chunk_metadata"})
                (row_id,) = self._connection.execute(
                    "INSERT INTO chunks (store_key, chunk_id, file_id, text, record, attributes) "
                    "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                    (key, chunk.chunk_id, chunk.file_id, chunk.text, record, json.dumps(chunk.attributes)),
                ).fetchone()
                self._connection.execute(
                    f"INSERT INTO vec_{key} (rowid, embedding) VALUES (?, ?)", (row_id, vector.tobytes())
                )
                self._connection.execute(f"INSERT INTO fts_{key} (rowid, text) VALUES (?, ?)", (row_id, chunk.text))
                added[row_id] = index  # SQLite may reuse the id of a row deleted just before
        matrix = self._matrices.get(key)
        if matrix is not None:
            matrix.remove(removed)
            matrix.add(list(added), vectors[list(added.values())])

    async def add_chunks(self, store_id: str, chunks: list[StoredChunk], embeddings: list[list[float]]) -> None:
        await self._run(self._add_chunks, store_id, chunks, embeddings)

    def _delete_file_chunks(self, store_id: str, file_id: str) -> None:
        key = self._key(store_id)
        with self._connection:
            ids = [
                row[0]
                for row in self._connection.execute(
                    "SELECT id FROM chunks WHERE store_key = ? AND file_id = ?", (key, file_id)
                )
            ]
            self._delete_rows(key, ids)
        if key in self._matrices:
            self._matrices[key].remove(ids)

    async def delete_file_chunks(self, store_id: str, file_id: str) -> None:
        await self._run(self._delete_file_chunks, store_id, file_id)

    def _set_file_attributes(self, store_id: str, file_id: str, attributes: AttributeMap) -> None:
        self._connection.execute(
            "UPDATE chunks SET attributes = ? WHERE store_key = ? AND file_id = ?",
            (json.dumps(attributes), self._key(store_id), file_id),
        )

    async def set_file_attributes(self, store_id: str, file_id: str, attributes: AttributeMap) -> None:
        await self._run(self._set_file_attributes, store_id, file_id, attributes)

    def _file_chunks(self, store_id: str, file_id: str) -> list[StoredChunk]:
        rows = self._connection.execute(
            f"SELECT {CHUNK_COLUMNS} FROM chunks c WHERE store_key = ? AND file_id = ? ORDER BY id",
            (self._key(store_id), file_id),
        ).fetchall()
        return [_chunk(row) for row in rows]

    async def file_chunks(self, store_id: str, file_id: str) -> list[StoredChunk]:
        return await self._run(self._file_chunks, store_id, file_id)

    # queries

    def _scored(self, key: int, scores: list[tuple[int, float]]) -> list[ScoredChunk]:
        """The chunks of ``scores`` (row id, score), in that order."""
        if not scores:
            return []
        ids = json.dumps([row_id for row_id, _ in scores])
        rows = self._connection.execute(
            f"SELECT {CHUNK_COLUMNS} FROM chunks c WHERE c.id IN (SELECT value FROM json_each(?))", (ids,)
        ).fetchall()
        chunks = {row[0]: _chunk(row) for row in rows}
        return [ScoredChunk(chunk=chunks[row_id], score=score) for row_id, score in scores if row_id in chunks]

    def _matrix(self, key: int) -> VectorMatrix:
        """The index's in-memory copy, read from its ``vec0`` table the first time."""
        matrix = self._matrices.get(key)
        if matrix is None:
            (dimension,) = self._connection.execute("SELECT dimension FROM indexes WHERE key = ?", (key,)).fetchone()
            rows = self._connection.execute(f"SELECT rowid, embedding FROM vec_{key}").fetchall()
            matrix = VectorMatrix(dimension)
            vectors = np.frombuffer(b"".join(row[1] for row in rows), dtype=np.float32).reshape(len(rows), dimension)
            matrix.add([row[0] for row in rows], vectors)
            self._matrices[key] = matrix
        return matrix

    def _filtered_ids(self, key: int, filters: Filter) -> npt.NDArray[np.int64]:
        condition, params = where(filters, "c.attributes")
        rows = self._connection.execute(
            f"SELECT c.id FROM chunks c WHERE c.store_key = ? AND {condition}", [key, *params]
        )
        return np.fromiter((row[0] for row in rows), dtype=np.int64)

    def _query_vector(self, store_id: str, embedding: list[float], k: int, filters: Filter | None) -> list[ScoredChunk]:
        key = self._key(store_id)
        if self._config.vector_search == "binary":
            allowed = None if filters is None else self._filtered_ids(key, filters)
            return self._scored(key, self._matrix(key).search(embedding, k, self._config.oversample, allowed))
        sql = f"SELECT rowid, distance FROM vec_{key} WHERE embedding MATCH ? AND k = ?"
        params: list[Any] = [_vector(embedding), k]
        if filters is not None:
            condition, condition_params = where(filters, "c.attributes")
            sql += f" AND rowid IN (SELECT c.id FROM chunks c WHERE c.store_key = ? AND {condition})"
            params += [key, *condition_params]
        rows = self._connection.execute(sql + " ORDER BY distance", params).fetchall()
        return self._scored(key, [(row_id, 1.0 - distance) for row_id, distance in rows])

    async def query_vector(
        self, store_id: str, embedding: list[float], k: int, filters: Filter | None
    ) -> list[ScoredChunk]:
        return await self._run(self._query_vector, store_id, embedding, k, filters)

    def _query_keyword(self, store_id: str, text: str, k: int, filters: Filter | None) -> list[ScoredChunk]:
        key = self._key(store_id)
        match = _fts_query(text)
        if match is None:
            return []
        sql = f"SELECT f.rowid, -bm25(fts_{key}) FROM fts_{key} f"
        params: list[Any] = [match]
        condition = f"fts_{key} MATCH ?"
        if filters is not None:
            filter_sql, filter_params = where(filters, "c.attributes")
            sql += " JOIN chunks c ON c.id = f.rowid"
            condition += f" AND {filter_sql}"
            params += filter_params
        rows = self._connection.execute(f"{sql} WHERE {condition} ORDER BY bm25(fts_{key}) LIMIT ?", [*params, k])
        return self._scored(key, [(row_id, score) for row_id, score in rows])

    async def query_keyword(self, store_id: str, text: str, k: int, filters: Filter | None) -> list[ScoredChunk]:
        return await self._run(self._query_keyword, store_id, text, k, filters)

    async def close(self) -> None:
        await self._run(self._connection.close)
        self._executor.shutdown()
