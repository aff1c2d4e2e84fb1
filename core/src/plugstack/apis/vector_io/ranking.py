"""Hybrid search: one ranked list from a vector and a keyword list, whatever engine made them.

Cosine similarities and BM25 scores live on different scales, so they are never added raw:
reciprocal-rank fusion uses ranks only; the weighted ranker min-max normalises each list first.
"""

from plugstack.apis.vector_io.models import Ranker, RRFRanker, ScoredChunk


def _normalised(results: list[ScoredChunk]) -> dict[str, float]:
    if not results:
        return {}
    scores = [r.score for r in results]
    low, span = min(scores), max(scores) - min(scores)
    return {r.chunk.chunk_id: (r.score - low) / span if span else 1.0 for r in results}


def fuse(vector: list[ScoredChunk], keyword: list[ScoredChunk], ranker: Ranker | None) -> list[ScoredChunk]:
    """Both lists' chunks, best first, scored by ``ranker`` (default RRF with impact factor 60)."""
    ranker = ranker or RRFRanker()
    chunks = {r.chunk.chunk_id: r.chunk for r in (*keyword, *vector)}
    if isinstance(ranker, RRFRanker):
        scores: dict[str, float] = dict.fromkeys(chunks, 0.0)
        for results in (vector, keyword):
            for rank, result in enumerate(results, start=1):
                scores[result.chunk.chunk_id] += 1.0 / (ranker.impact_factor + rank)
    else:
        by_vector, by_keyword = _normalised(vector), _normalised(keyword)
        scores = {
            chunk_id: ranker.alpha * by_vector.get(chunk_id, 0.0) + (1 - ranker.alpha) * by_keyword.get(chunk_id, 0.0)
            for chunk_id in chunks
        }
    ranked = sorted(scores, key=lambda chunk_id: scores[chunk_id], reverse=True)
    return [ScoredChunk(chunk=chunks[chunk_id], score=scores[chunk_id]) for chunk_id in ranked]
