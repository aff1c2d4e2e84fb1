"""A RAG query: search the stores (the same search as the Responses API's ``file_search``), then
write the best chunks in Llama Stack's layout, which models and clients already read:

    knowledge_search tool found N chunks:
    BEGIN of knowledge_search tool results.
    <chunk_template, once per chunk>
    END of knowledge_search tool results.
    The above results were retrieved to help answer the user's query: "<query>". Use them as ...

Chunks are added best first until the next would pass ``max_tokens_in_context`` (tokens of the
written chunk, counted like chunk sizes); N is the number given.
"""

from typing import Any

from plugstack.apis.tool_runtime.models import TextContentItem
from plugstack.apis.tool_runtime.rag import RAGQueryConfig, RagQueryRequest, RAGQueryResult, item_texts
from plugstack.apis.tool_runtime.rag_template import render
from plugstack.apis.vector_io.chunking import count_tokens
from plugstack.apis.vector_io.search import StoreResult, search_stores
from plugstack.errors import BadRequestError
from plugstack_rag_runtime.query_text import query_text

TOOL = "knowledge_search"


def _document_id(result: StoreResult) -> str | None:
    chunk = result.chunk
    found = chunk.metadata.get("document_id") or (chunk.chunk_metadata or {}).get("document_id") or chunk.file_id
    return None if found is None else str(found)


def write_results(results: list[StoreResult], config: RAGQueryConfig, asked: str) -> RAGQueryResult:
    """The results in the layout above, with metadata describing exactly the chunks given."""
    blocks: list[str] = []
    used = 0
    for index, result in enumerate(results, start=1):
        block = render(config.chunk_template, index, result.chunk.text, result.chunk.chunk_id, result.chunk.metadata)
        tokens = count_tokens(block)
        if used + tokens > config.max_tokens_in_context:
            break
        used += tokens
        blocks.append(block)
    given = results[: len(blocks)]
    texts = [
        f"{TOOL} tool found {len(given)} chunks:\nBEGIN of {TOOL} tool results.\n",
        *blocks,
        f"END of {TOOL} tool results.\n",
        f'The above results were retrieved to help answer the user\'s query: "{asked}". '
        "Use them as supporting information only in answering this query.\n",
    ]
    files = {r.chunk.file_id: r.chunk.metadata.get("filename") for r in given if r.chunk.file_id}
    return RAGQueryResult(
        content=[TextContentItem(text=text) for text in texts],
        metadata={
            "document_ids": [_document_id(r) for r in given],
            "chunks": [r.chunk.text for r in given],
            "scores": [r.score for r in given],
            "vector_db_ids": [r.vector_store_id for r in given],
            "citation_files": files,
        },
    )


async def retrieve(vector_io: Any, inference: Any | None, request: RagQueryRequest) -> RAGQueryResult:
    """Searches every store of the request for its content; 404 for an unknown store."""
    if not request.vector_db_ids:
        raise BadRequestError("vector_db_ids: name at least one vector store to search")
    config = request.query_config or RAGQueryConfig()
    texts = item_texts(request.content, "content")
    query = await query_text(config.query_generator_config, texts, inference)
    results = await search_stores(
        vector_io,
        request.vector_db_ids,
        query,
        max_results=config.max_chunks,
        mode=config.mode,
        ranker=config.ranker,
    )
    return write_results(results, config, " ".join(texts))
