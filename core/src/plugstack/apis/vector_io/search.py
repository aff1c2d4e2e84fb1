"""One search over several vector stores: what the RAG tool's ``knowledge_search`` and the
Responses API's ``file_search`` both run, so the two cannot drift apart.

Each store is searched at once (concurrently) for the best ``max_results`` chunks; the lists are
merged by score, best first, and cut to ``max_results``. Every store scores a mode the same way
(cosine similarity, BM25 over its own statistics, fused ranks), so the merge is a plain sort.
"""

import asyncio
from typing import Any

from plugstack.apis.vector_io.filters import Filter
from plugstack.apis.vector_io.models import ChunkSearch, Ranker, ScoredChunk, SearchMode


class StoreResult(ScoredChunk):
    """A scored chunk with the store it was found in."""

    vector_store_id: str


async def search_stores(
    vector_io: Any,
    vector_store_ids: list[str],
    query: str,
    *,
    max_results: int,
    mode: SearchMode = "vector",
    ranker: Ranker | None = None,
    filters: Filter | None = None,
    score_threshold: float | None = None,
) -> list[StoreResult]:
    """The best chunks of all the stores, best first; an unknown store raises `NotFoundError` (404)."""

    async def one(store_id: str) -> list[StoreResult]:
        request = ChunkSearch(
            vector_store_id=store_id,
            query=query,
            mode=mode,
            max_results=max_results,
            filters=filters,
            score_threshold=score_threshold,
            ranker=ranker,
        )
        found = await vector_io.search(request)
        return [StoreResult(chunk=r.chunk, score=r.score, vector_store_id=store_id) for r in found]

    per_store = await asyncio.gather(*(one(store_id) for store_id in dict.fromkeys(vector_store_ids)))
    merged = [result for results in per_store for result in results]
    merged.sort(key=lambda result: result.score, reverse=True)
    return merged[:max_results]
