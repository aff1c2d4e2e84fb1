"""The BM25 that engines without a keyword index use scores exactly as SQLite FTS5 does, so
keyword and hybrid results agree whichever engine holds a store."""

import apsw
import pytest

from plugstack.apis.vector_io.bm25 import CorpusStats, score, terms

CORPUS = [
    "The zorblax reactor hums quietly while the engineers sleep.",
    "Cats sleep in warm places: on laptops, in sunbeams and on freshly washed laundry.",
    "Ünïcode Café owners sleep late; café_au_lait is served at noon.",
    "Sleep, sleep, sleep: the reactor of the night shift never sleeps.",
    "Train timetables for the coast line, 2021 edition.",
]
QUERIES = ["sleep", "reactor sleep", "CAFE", "café au lait", "2021 coast", "the", "laundry engineers sunbeams"]


def _fts5_scores(query: list[str]) -> dict[int, float]:
    """FTS5's own BM25 (negated: higher is better) of each matching row, as sqlite-vec asks for it."""
    connection = apsw.Connection(":memory:")
    connection.execute("CREATE VIRTUAL TABLE fts USING fts5(text, tokenize='unicode61')")
    for rowid, text in enumerate(CORPUS):
        connection.execute("INSERT INTO fts (rowid, text) VALUES (?, ?)", (rowid, text))
    match = " OR ".join(f'"{word}"' for word in query)
    return dict(connection.execute("SELECT rowid, -bm25(fts) FROM fts WHERE fts MATCH ?", (match,)).fetchall())


@pytest.mark.parametrize("text", QUERIES)
def test_scores_match_fts5(text: str) -> None:
    query = list(dict.fromkeys(terms(text)))
    chunk_terms = [terms(chunk) for chunk in CORPUS]
    stats = CorpusStats(
        chunks=len(CORPUS),
        total_terms=sum(len(words) for words in chunk_terms),
        chunks_with={word: sum(word in words for words in chunk_terms) for word in query},
    )
    ours = {rowid: score(query, words, stats) for rowid, words in enumerate(chunk_terms) if set(words) & set(query)}
    assert ours == pytest.approx(_fts5_scores(query), rel=1e-9)
    assert ours  # every query finds something, so the comparison is never vacuous


def test_terms_fold_case_and_accents_and_split_underscores() -> None:
    assert terms("Ünïcode CAFÉ café_au_lait, 2021!") == ["unicode", "cafe", "cafe", "au", "lait", "2021"]
