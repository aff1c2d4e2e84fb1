"""Chunking, parsing and fusion on their own (no server)."""

import pytest

from plugstack.apis.vector_io.chunking import chunk_text, count_tokens
from plugstack.apis.vector_io.models import RRFRanker, ScoredChunk, StaticChunkingParams, StoredChunk, WeightedRanker
from plugstack.apis.vector_io.parsing import InvalidFileError, parser_for
from plugstack.apis.vector_io.ranking import fuse
from plugstack.errors import BadRequestError
from tests.support.documents import one_page_pdf


def test_chunks_are_token_windows_keeping_the_original_text() -> None:
    text = "Alpha, beta.\n\n" + " ".join(f"w{i}" for i in range(200))
    chunks = chunk_text(text, StaticChunkingParams(max_chunk_size_tokens=100, chunk_overlap_tokens=10))
    assert chunks[0].startswith("Alpha, beta.\n\nw0") and count_tokens(chunks[0]) == 100
    assert [count_tokens(chunk) for chunk in chunks] == [100, 100, 24]
    assert chunks[0].split()[-10:] == chunks[1].split()[:10]
    assert chunk_text("", StaticChunkingParams()) == []
    assert chunk_text("short text", StaticChunkingParams()) == ["short text"]


def test_parsers_by_type() -> None:
    assert parser_for("a.md")(b"\xef\xbb\xbf# Title") == "# Title"
    assert parser_for("data.json")(b'{"k": [1, 2]}') == '{\n "k": [\n  1,\n  2\n ]\n}'
    assert parser_for("rows.tsv")(b"a\tb\n1\t2\n") == "a: 1; b: 2"
    html = b"<p>One</p><script>no()</script><div>Two  words</div>"
    assert parser_for("page.HTML")(html) == "One\nTwo words"
    assert "Hello zorblax" in parser_for("doc.pdf")(one_page_pdf("Hello zorblax"))
    assert parser_for("README")(b"plain") == "plain"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [("x.json", b"{", "not valid JSON"), ("x.txt", b"\x00\x01", "binary"), ("x.pdf", b"%PDF-nope", "PDF")],
)
def test_unreadable_content(name: str, data: bytes, message: str) -> None:
    with pytest.raises(InvalidFileError, match=message):
        parser_for(name)(data)


def test_unsupported_type_names_it() -> None:
    with pytest.raises(BadRequestError, match=r"'\.docx'"):
        parser_for("report.docx")


def _scored(*pairs: tuple[str, float]) -> list[ScoredChunk]:
    return [ScoredChunk(chunk=StoredChunk(chunk_id=cid, text=cid, content=cid), score=score) for cid, score in pairs]


def test_fusion() -> None:
    vector = _scored(("a", 0.9), ("b", 0.8), ("c", 0.1))
    keyword = _scored(("c", 12.0), ("b", 3.0))
    rrf = fuse(vector, keyword, RRFRanker(impact_factor=1))
    assert [r.chunk.chunk_id for r in rrf] == ["c", "b", "a"]  # c: 1/4 + 1/2; b: 1/3 + 1/3; a: 1/2
    assert [r.score for r in rrf] == pytest.approx([3 / 4, 2 / 3, 1 / 2])
    weighted = fuse(vector, keyword, WeightedRanker(alpha=1.0))
    assert [r.chunk.chunk_id for r in weighted] == ["a", "b", "c"]
    assert [r.chunk.chunk_id for r in fuse(vector, keyword, WeightedRanker(alpha=0.0))][:2] == ["c", "b"]
