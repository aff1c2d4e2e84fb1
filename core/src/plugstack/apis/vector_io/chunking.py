"""Token windows over a document's text.

Tokens are words and single punctuation marks (the regex ``\\w+|[^\\w\\s]``): no model's
tokenizer, so chunk sizes mean the same whatever embeds them, and a word-piece tokenizer
counts a little more (about 1.3 pieces a word in English). A chunk is the original text
from its first token to its last, whitespace and line breaks kept.
"""

import re

from plugstack.apis.vector_io.models import StaticChunkingParams

TOKEN = re.compile(r"\w+|[^\w\s]")
TOKENIZER_NAME = "regex:words-and-punctuation"


def count_tokens(text: str) -> int:
    return sum(1 for _ in TOKEN.finditer(text))


def chunk_text(text: str, sizes: StaticChunkingParams) -> list[str]:
    """Windows of ``max_chunk_size_tokens`` tokens, each starting ``size - overlap`` tokens after the last."""
    spans = [match.span() for match in TOKEN.finditer(text)]
    size, step = sizes.max_chunk_size_tokens, sizes.max_chunk_size_tokens - sizes.chunk_overlap_tokens
    chunks = []
    for start in range(0, len(spans), step):
        window = spans[start : start + size]
        chunks.append(text[window[0][0] : window[-1][1]])
        if start + size >= len(spans):
            break
    return chunks
