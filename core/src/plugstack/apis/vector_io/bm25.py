"""BM25 keyword scoring as SQLite's FTS5 computes it, for engines without a BM25 index of their own.

A vector database such as Chroma can find the chunks that contain a word but does not rank them;
an engine fetches those chunks and scores them here. Words are split and scored the way FTS5's
``unicode61`` tokenizer and ``bm25()`` do (k1 = 1.2, b = 0.75, an idf that never goes below
1e-6), so keyword scores — and hybrid fusion over them — are on one scale whichever engine
holds a store.
"""

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

K1 = 1.2
B = 0.75
MIN_IDF = 1e-6  # FTS5's floor for a word found in more than half of the chunks
_WORD = re.compile(r"[^\W_]+")


def terms(text: str) -> list[str]:
    """The text's words as unicode61 indexes them: runs of letters and digits, case-folded, no diacritics."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return _WORD.findall("".join(char for char in decomposed if not unicodedata.combining(char)))


@dataclass(frozen=True)
class CorpusStats:
    """What BM25 needs of the whole store, not only of the chunks being scored."""

    chunks: int
    total_terms: int
    chunks_with: dict[str, int]  # per query word, how many chunks contain it

    def idf(self, word: str) -> float:
        found = self.chunks_with.get(word, 0)
        return max(math.log((self.chunks - found + 0.5) / (found + 0.5)), MIN_IDF)


def score(query: list[str], chunk_terms: list[str], stats: CorpusStats) -> float:
    """BM25 of one chunk (its ``terms``) for the distinct words of ``query``; 0 when none occurs."""
    counts = Counter(chunk_terms)
    average = stats.total_terms / stats.chunks if stats.chunks else 1.0
    norm = K1 * (1 - B + B * len(chunk_terms) / (average or 1.0))
    total = 0.0
    for word in dict.fromkeys(query):
        frequency = counts.get(word, 0)
        if frequency:
            total += stats.idf(word) * frequency * (K1 + 1) / (frequency + norm)
    return total
