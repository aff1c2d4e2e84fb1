"""RAG documents into a vector store: each read to text (inline, a ``data:`` URI, or a file of
/v1/files), cut into token windows overlapping by a quarter, and inserted as chunks that the
store's own model embeds. Parsing, chunking and embedding are the vector stores' code; only the
ways a document arrives are this module's.

Chunk ids are ``<document_id>:<index>``: inserting a document again replaces its chunks.
"""

import asyncio
import re
from typing import Any

from pydantic import ValidationError

from plugstack.apis.files.models import FileRequest
from plugstack.apis.tool_runtime.rag import DocumentURI, RAGDocument, RagInsertRequest, item_texts
from plugstack.apis.vector_io.chunking import TOKENIZER_NAME, chunk_text, count_tokens
from plugstack.apis.vector_io.documents import data_uri_type, decode_data_uri, parse_document, parser_for_mime
from plugstack.apis.vector_io.models import Chunk, InsertChunksRequest, StaticChunkingParams, VectorStore
from plugstack.apis.vector_io.parsing import parser_for
from plugstack.errors import BadRequestError

# A string content that is one URI is read as one (Llama Stack's RAG tool does the same).
URI_STRING = re.compile(r"(data:|https?://|file://)\S*")
FILE_ID_PREFIX = "file-"


def chunk_sizes(tokens: int) -> StaticChunkingParams:
    """The store's static chunking for ``chunk_size_in_tokens``: overlap a quarter, as Llama Stack's."""
    try:
        return StaticChunkingParams(max_chunk_size_tokens=tokens, chunk_overlap_tokens=tokens // 4)
    except ValidationError:
        raise BadRequestError(f"chunk_size_in_tokens: {tokens} is outside 100 to 4096") from None


class DocumentReader:
    """A document's text and the name of where it came from (a file's name, for citations)."""

    def __init__(self, files: Any | None) -> None:
        self._files = files

    async def read(self, document: RAGDocument, field: str) -> tuple[str, str | None]:
        content = document.content
        if isinstance(content, str) and URI_STRING.fullmatch(content.strip()):
            content = DocumentURI(uri=content.strip())
        if isinstance(content, DocumentURI):
            return await self._read_uri(content.uri, document.mime_type, field)
        text = "\n".join(item_texts(content, f"{field}.content"))
        if document.mime_type is None:
            return text, None
        parse = parser_for_mime(document.mime_type, f"{field}.mime_type")
        return await asyncio.to_thread(parse_document, parse, text.encode(), field), None

    async def _read_uri(self, uri: str, mime_type: str | None, field: str) -> tuple[str, str | None]:
        where = f"{field}.content.uri"
        if uri.startswith(FILE_ID_PREFIX):
            return await self._read_file(uri, mime_type, field)
        if not uri.startswith("data:"):
            raise BadRequestError(
                f"{where}: URLs are not fetched by the server; send the text, a data: URI, "
                "or the id of a file uploaded to /v1/files"
            )
        data = decode_data_uri(uri, where)
        parse = parser_for_mime(mime_type or data_uri_type(uri) or "text/plain", f"{field}.mime_type")
        return await asyncio.to_thread(parse_document, parse, data, field), None

    async def _read_file(self, file_id: str, mime_type: str | None, field: str) -> tuple[str, str | None]:
        if self._files is None:
            raise BadRequestError(f"{field}.content.uri: file ids need the files API, which this stack does not serve")
        content = await self._files.file_content(FileRequest(file_id=file_id))
        data = b"".join([chunk async for chunk in content.chunks])
        filename = content.file.filename
        parse = parser_for_mime(mime_type, f"{field}.mime_type") if mime_type else parser_for(filename)
        return await asyncio.to_thread(parse_document, parse, data, field), filename


def document_chunks(
    store: VectorStore, document: RAGDocument, text: str, source: str | None, sizes: StaticChunkingParams
) -> list[Chunk]:
    """The document's chunks, each with the document's metadata and id, described like file chunks."""
    chunks = []
    for index, piece in enumerate(chunk_text(text, sizes) if text.strip() else []):
        chunk_id = f"{document.document_id}:{index}"
        chunks.append(
            Chunk(
                content=piece,
                metadata={**document.metadata, "document_id": document.document_id},
                stored_chunk_id=chunk_id,
                chunk_metadata={
                    "chunk_id": chunk_id,
                    "document_id": document.document_id,
                    "source": source,
                    "chunk_tokenizer": TOKENIZER_NAME,
                    "chunk_embedding_model": store.embedding_model,
                    "chunk_embedding_dimension": store.embedding_dimension,
                    "content_token_count": count_tokens(piece),
                },
            )
        )
    return chunks


async def insert_documents(vector_io: Any, reader: DocumentReader, request: RagInsertRequest) -> int:
    """Reads every document before storing any (a bad one is a 400 and nothing is inserted); the
    number of chunks stored. An unknown store is a 404 before any document is read."""
    store: VectorStore = await vector_io.retrieve_vector_store(request.vector_db_id)
    sizes = chunk_sizes(request.chunk_size_in_tokens)
    chunks: list[Chunk] = []
    for index, document in enumerate(request.documents):
        text, source = await reader.read(document, f"documents[{index}]")
        chunks.extend(await asyncio.to_thread(document_chunks, store, document, text, source, sizes))
    if chunks:
        await vector_io.insert_chunks(InsertChunksRequest(vector_db_id=store.id, chunks=chunks))
    return len(chunks)
