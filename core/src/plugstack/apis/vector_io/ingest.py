"""From an attached file to embedded chunks: read through the files API, parse, chunk, embed.

Parsing and chunking run in a worker thread and embedding on the inference provider's, so a
large file never blocks the event loop; chunks go to the engine a batch at a time.
"""

import asyncio
from collections.abc import Awaitable, Callable

from plugstack.apis.files.models import FileRequest
from plugstack.apis.files.protocol import Files
from plugstack.apis.inference.models import EmbeddingsRequest
from plugstack.apis.inference.protocol import Inference
from plugstack.apis.vector_io.chunking import TOKENIZER_NAME, chunk_text, count_tokens
from plugstack.apis.vector_io.models import StoredChunk, VectorStore, VectorStoreFile, chunk_sizes
from plugstack.apis.vector_io.parsing import parser_for


class Embedder:
    """Texts to vectors with a store's model, ``batch_size`` texts per inference call."""

    def __init__(self, inference: Inference, batch_size: int) -> None:
        self._inference = inference
        self.batch_size = batch_size

    async def embed(self, model: str, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            request = EmbeddingsRequest(model=model, input=texts[start : start + self.batch_size])
            response = await self._inference.embeddings(request)
            vectors.extend(item.embedding for item in sorted(response.data, key=lambda item: item.index))  # type: ignore[misc]
        return vectors


async def file_text_chunks(files: Files, file: VectorStoreFile) -> list[str]:
    """The file's chunks of text, by its attachment's chunking strategy."""
    content = await files.file_content(FileRequest(file_id=file.id))
    data = b"".join([chunk async for chunk in content.chunks])
    parse = parser_for(content.file.filename)
    text = await asyncio.to_thread(parse, data)
    return await asyncio.to_thread(chunk_text, text, chunk_sizes(file.chunking_strategy))


def file_chunk(store: VectorStore, file: VectorStoreFile, index: int, text: str) -> StoredChunk:
    """A file's chunk, described the way Llama Stack's chunk metadata describes one."""
    chunk_id = f"{file.id}:{index}"
    return StoredChunk(
        chunk_id=chunk_id,
        text=text,
        content=text,
        metadata={"document_id": file.id, "filename": file.filename, "chunk_index": index},
        chunk_metadata={
            "chunk_id": chunk_id,
            "document_id": file.id,
            "source": file.filename,
            "chunk_tokenizer": TOKENIZER_NAME,
            "chunk_embedding_model": store.embedding_model,
            "chunk_embedding_dimension": store.embedding_dimension,
            "content_token_count": count_tokens(text),
        },
        file_id=file.id,
        attributes=file.attributes,
    )


async def ingest_file(
    store: VectorStore,
    file: VectorStoreFile,
    files: Files,
    embedder: Embedder,
    add: Callable[[list[StoredChunk], list[list[float]]], Awaitable[None]],
) -> int:
    """Chunks and embeds the file, handing each batch to ``add``; the bytes of text stored."""
    texts = await file_text_chunks(files, file)
    for start in range(0, len(texts), embedder.batch_size):
        batch = texts[start : start + embedder.batch_size]
        chunks = [file_chunk(store, file, start + offset, text) for offset, text in enumerate(batch)]
        await add(chunks, await embedder.embed(store.embedding_model, batch))
    return sum(len(text.encode()) for text in texts)
