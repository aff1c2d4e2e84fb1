"""`inline::sqlite-vec`'s binary search (sign bits, exact rescoring) against its exact search.

Two engines get the same chunks and writes; binary search must find nearly the same neighbours,
score them exactly, and follow filters, deletes and replaced chunks as the exact one does.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest

from plugstack.apis.vector_io.filters import ComparisonFilter
from plugstack.apis.vector_io.models import StoredChunk
from plugstack_sqlite_vec.config import SqliteVecConfig
from plugstack_sqlite_vec.engine import SqliteVecEngine

COUNT, DIMENSION, K, QUERIES = 3000, 128, 10, 20
STORE = "vs_test"


def _chunks(count: int) -> list[StoredChunk]:
    return [
        StoredChunk(chunk_id=f"c{i}", file_id=f"f{i % 3}", text=f"chunk {i}", content="", attributes={"g": i % 3})
        for i in range(count)
    ]


def _clustered() -> np.ndarray:
    """The chunks' vectors, then the queries': points around 30 centres."""
    rng = np.random.default_rng(0)
    centers = rng.standard_normal((30, DIMENSION))
    return centers[rng.integers(0, 30, COUNT + QUERIES)] + 0.5 * rng.standard_normal((COUNT + QUERIES, DIMENSION))


@pytest.fixture
async def engines(tmp_path: Path) -> AsyncIterator[tuple[SqliteVecEngine, SqliteVecEngine]]:
    binary = SqliteVecEngine(tmp_path / "binary.db", SqliteVecConfig(vector_search="binary"))
    exact = SqliteVecEngine(tmp_path / "exact.db", SqliteVecConfig(vector_search="exact"))
    vectors = _clustered()[:COUNT].tolist()
    for engine in (binary, exact):
        await engine.create_index(STORE, DIMENSION)
        await engine.add_chunks(STORE, _chunks(COUNT), vectors)
    yield binary, exact
    for engine in (binary, exact):
        await engine.close()


async def _both(engines: tuple[SqliteVecEngine, SqliteVecEngine], query: list[float], **kwargs: object) -> list[dict]:
    results = []
    for engine in engines:
        hits = await engine.query_vector(STORE, query, kwargs.get("k", K), kwargs.get("filters"))  # type: ignore[arg-type]
        results.append({hit.chunk.chunk_id: hit.score for hit in hits})
    return results


async def test_binary_finds_the_exact_neighbours_with_exact_scores(
    engines: tuple[SqliteVecEngine, SqliteVecEngine],
) -> None:
    queries = _clustered()[COUNT:]
    found = 0
    for query in queries.tolist():
        binary, exact = await _both(engines, query)
        assert len(binary) == K
        for chunk_id in binary.keys() & exact.keys():
            assert binary[chunk_id] == pytest.approx(exact[chunk_id], abs=1e-5)
        found += len(binary.keys() & exact.keys())
    assert found / (K * len(queries)) >= 0.95


async def test_filters_deletes_and_replacements_are_followed(
    engines: tuple[SqliteVecEngine, SqliteVecEngine],
) -> None:
    query = _clustered()[COUNT].tolist()
    only_g1 = ComparisonFilter(type="eq", key="g", value=1)
    binary, exact = await _both(engines, query, filters=only_g1)
    assert binary.keys() <= {f"c{i}" for i in range(1, COUNT, 3)} and len(binary) == K
    nearest = next(iter(exact))
    away = (-np.asarray(query)).tolist()
    for engine in engines:
        await engine.delete_file_chunks(STORE, "f0")
        await engine.add_chunks(STORE, [StoredChunk(chunk_id=nearest, text="moved", content="")], [away])
        twice = [StoredChunk(chunk_id="new", text=text, content="") for text in ("first", "second")]
        await engine.add_chunks(STORE, twice, [away, query])  # the second replaces the first
    binary, exact = await _both(engines, query, k=COUNT)
    assert binary.keys() == exact.keys() and len(binary) == COUNT - COUNT // 3 + 1
    assert next(iter(binary)) == "new" and list(binary)[-1] == nearest
    assert binary["new"] == pytest.approx(1.0)
