"""`ChromaEngine`: every vector store is a collection in a Chroma server.

A chunk is one record: its id is the chunk id, its document the chunk's text, its embedding the
vector (HNSW index, cosine space; we always supply embeddings, Chroma never embeds), and its
metadata the rest — the file id, the client's content and metadata as JSON, the insertion
order, the file's attributes under ``attr.<key>`` with their names in ``ps.keys`` (see
`plugstack_chromadb.where`), and the chunk's distinct words in ``ps.terms`` with their count.

Keyword search: Chroma's full-text ``$contains`` is a case-sensitive substring test and ranks
nothing, so it is not used. Chroma finds the records holding a query word by exact match on the
``ps.terms`` array (words case- and accent-folded as FTS5 folds them) and plugstack ranks them
with BM25 (`plugstack.apis.vector_io.bm25`) from statistics of the whole collection: its record
count, each word's chunk count (from the candidates themselves) and the total number of words,
kept in the collection's metadata and updated with every write. So keyword scores match the
embedded engine's. The total is read and rewritten under a per-store lock; two servers writing
one store at the same instant can skew it, which only nudges BM25's length normalisation.

The async HTTP client keeps the event loop free; a Chroma that cannot be reached is a 503.
"""

import asyncio
import contextlib
import heapq
import json
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from typing import Any

import chromadb
import httpx
from chromadb.api import AsyncClientAPI
from chromadb.api.models.AsyncCollection import AsyncCollection
from chromadb.config import Settings
from chromadb.errors import ChromaError, NotFoundError

from plugstack.apis.vector_io.bm25 import CorpusStats, score, terms
from plugstack.apis.vector_io.filters import Filter
from plugstack.apis.vector_io.models import AttributeMap, ScoredChunk, StoredChunk
from plugstack.errors import ProviderFailedError, ProviderUnavailableError
from plugstack_chromadb.config import ChromaConfig
from plugstack_chromadb.where import ATTRIBUTE, KEYS, all_of, any_of, where

FILE = "ps.file"
RECORD = "ps.record"  # content, metadata and chunk_metadata as JSON
ORDER = "ps.order"  # when the chunk was added (ns), for a file's chunks in order
TERMS = "ps.terms"  # the chunk's distinct words
LENGTH = "ps.length"  # how many words it has
TOTAL_TERMS = "ps.total_terms"  # collection metadata: the words of all its chunks
PAGE = 100  # collections listed per request


def _metadata(chunk: StoredChunk, order: int) -> dict[str, Any]:
    words = terms(chunk.text)
    metadata: dict[str, Any] = {
        RECORD: chunk.model_dump_json(include={"content", "metadata", "chunk_metadata"}),
        ORDER: order,
        LENGTH: len(words),
        **_attribute_metadata(chunk.attributes),
    }
    if chunk.file_id is not None:
        metadata[FILE] = chunk.file_id
    if words:  # Chroma refuses empty lists
        metadata[TERMS] = sorted(set(words))
    return metadata


def _attribute_metadata(attributes: AttributeMap) -> dict[str, Any]:
    return (
        {KEYS: list(attributes), **{ATTRIBUTE + key: value for key, value in attributes.items()}} if attributes else {}
    )


def _chunk(chunk_id: str, text: str, metadata: dict[str, Any]) -> StoredChunk:
    attributes = {key.removeprefix(ATTRIBUTE): value for key, value in metadata.items() if key.startswith(ATTRIBUTE)}
    return StoredChunk(
        chunk_id=chunk_id, text=text, file_id=metadata.get(FILE), attributes=attributes, **json.loads(metadata[RECORD])
    )


def _chunks(result: Any) -> dict[str, StoredChunk]:
    """The chunks of a `get` result (with documents and metadatas), by id."""
    return {
        chunk_id: _chunk(chunk_id, text, metadata)
        for chunk_id, text, metadata in zip(result["ids"], result["documents"], result["metadatas"], strict=True)
    }


class ChromaEngine:
    """Implements `plugstack.apis.vector_io.protocol.VectorEngine` over a Chroma server."""

    def __init__(self, client: AsyncClientAPI, config: ChromaConfig) -> None:
        self._client = client
        self._url = config.url
        self._prefix = config.collection_prefix
        self._timeout_s = config.timeout_s
        self._collections: dict[str, AsyncCollection] = {}
        self._writes: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    @classmethod
    async def connect(cls, config: ChromaConfig) -> "ChromaEngine":
        try:
            client = await chromadb.AsyncHttpClient(
                host=config.host,
                port=config.port,
                ssl=config.ssl,
                headers=config.headers,
                tenant=config.tenant,
                database=config.database,
                # the client skips certificate checks unless told to verify
                settings=Settings(anonymized_telemetry=False, chroma_server_ssl_verify=True),
            )
        except (httpx.TransportError, ChromaError, ValueError) as exc:
            raise ProviderUnavailableError(f"Chroma at {config.url} cannot be used: {exc}") from exc
        return cls(client, config)

    @contextlib.asynccontextmanager
    async def _chroma(self, action: str) -> AsyncIterator[None]:
        """Chroma's failures as the API's: unreachable or silent is 503, an error answer 502.

        The client sets no timeout of its own, so the engine bounds every call."""
        try:
            async with asyncio.timeout(self._timeout_s):
                yield
        except TimeoutError as exc:
            raise ProviderUnavailableError(
                f"Chroma at {self._url} did not answer within {self._timeout_s} s to {action}"
            ) from exc
        except httpx.TransportError as exc:
            raise ProviderUnavailableError(f"Chroma at {self._url} cannot be reached to {action}: {exc}") from exc
        except ChromaError as exc:
            raise ProviderFailedError(f"Chroma at {self._url} failed to {action}: {exc}") from exc

    async def _collection(self, store_id: str) -> AsyncCollection:
        collection = self._collections.get(store_id)
        if collection is None:
            collection = await self._client.get_collection(self._prefix + store_id, embedding_function=None)
            self._collections[store_id] = collection
        return collection

    # indexes

    async def create_index(self, store_id: str, dimension: int) -> None:
        """A collection in cosine space; Chroma takes the dimension from the first vectors and holds to it."""
        async with self._chroma(f"create the collection of {store_id}"):
            self._collections[store_id] = await self._client.create_collection(
                self._prefix + store_id,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={TOTAL_TERMS: 0},
                embedding_function=None,
            )

    async def delete_index(self, store_id: str) -> None:
        self._collections.pop(store_id, None)
        async with self._chroma(f"delete the collection of {store_id}"):
            with contextlib.suppress(NotFoundError):
                await self._client.delete_collection(self._prefix + store_id)

    async def _all_collections(self) -> list[Any]:
        collections: list[Any] = []
        while page := await self._client.list_collections(limit=PAGE, offset=len(collections)):
            collections.extend(page)
            if len(page) < PAGE:
                break
        return collections

    async def index_ids(self) -> list[str]:
        async with self._chroma("list collections"):
            names = [collection.name for collection in await self._all_collections()]
        return [name.removeprefix(self._prefix) for name in names if name.startswith(self._prefix)]

    # chunks

    async def _total_terms(self, store_id: str) -> tuple[AsyncCollection, int]:
        """The collection as Chroma has it now (another server may have written it) and its word total."""
        current = await self._client.get_collection(self._prefix + store_id, embedding_function=None)
        return current, int((current.metadata or {}).get(TOTAL_TERMS, 0))

    async def _count_terms(self, store_id: str, change: int) -> None:
        """Moves the collection's word total by ``change`` (under the store's write lock)."""
        if change:
            current, total = await self._total_terms(store_id)
            await current.modify(metadata={**(current.metadata or {}), TOTAL_TERMS: total + change})

    @staticmethod
    async def _delete(collection: AsyncCollection, found: Any) -> int:
        """Deletes the records of a `get` result (with metadatas); how many words they held."""
        if not found["ids"]:
            return 0
        await collection.delete(ids=found["ids"])
        return sum(int(metadata.get(LENGTH, 0)) for metadata in found["metadatas"])

    async def add_chunks(self, store_id: str, chunks: list[StoredChunk], embeddings: list[list[float]]) -> None:
        """Replaces chunks whose ids are there already: deleted, then added (Chroma's upsert would keep
        metadata keys the new chunk lacks)."""
        latest = {chunk.chunk_id: (chunk, vector) for chunk, vector in zip(chunks, embeddings, strict=True)}
        if not latest:
            return
        order = time.time_ns()
        metadatas = [_metadata(chunk, order + offset) for offset, (chunk, _) in enumerate(latest.values())]
        async with self._writes[store_id], self._chroma(f"add chunks to {store_id}"):
            collection = await self._collection(store_id)
            removed = await self._delete(collection, await collection.get(ids=list(latest), include=["metadatas"]))
            await collection.add(
                ids=list(latest),
                embeddings=[vector for _, vector in latest.values()],
                documents=[chunk.text for chunk, _ in latest.values()],
                metadatas=metadatas,
            )
            await self._count_terms(store_id, sum(metadata[LENGTH] for metadata in metadatas) - removed)

    async def delete_file_chunks(self, store_id: str, file_id: str) -> None:
        async with self._writes[store_id], self._chroma(f"delete the chunks of {file_id} in {store_id}"):
            collection = await self._collection(store_id)
            found = await collection.get(where={FILE: file_id}, include=["metadatas"])
            await self._count_terms(store_id, -await self._delete(collection, found))

    async def set_file_attributes(self, store_id: str, file_id: str, attributes: AttributeMap) -> None:
        """Rewrites the attribute keys of the file's chunks; a key the new attributes lack is removed (None)."""
        async with self._writes[store_id], self._chroma(f"update the attributes of {file_id} in {store_id}"):
            collection = await self._collection(store_id)
            found = await collection.get(where={FILE: file_id}, include=["metadatas"])
            if not found["ids"]:
                return
            new = _attribute_metadata(attributes)
            updates = [
                {**{key: None for key in metadata if key.startswith(ATTRIBUTE) or key == KEYS}, **new}
                for metadata in found["metadatas"]
            ]
            await collection.update(ids=found["ids"], metadatas=updates)

    async def file_chunks(self, store_id: str, file_id: str) -> list[StoredChunk]:
        async with self._chroma(f"read the chunks of {file_id} in {store_id}"):
            collection = await self._collection(store_id)
            found = await collection.get(where={FILE: file_id}, include=["documents", "metadatas"])
        orders = {
            chunk_id: metadata[ORDER] for chunk_id, metadata in zip(found["ids"], found["metadatas"], strict=True)
        }
        chunks = _chunks(found)
        return [chunks[chunk_id] for chunk_id in sorted(chunks, key=orders.__getitem__)]

    # queries

    async def query_vector(
        self, store_id: str, embedding: list[float], k: int, filters: Filter | None
    ) -> list[ScoredChunk]:
        condition = where(filters) if filters is not None else None
        async with self._chroma(f"search {store_id}"):
            collection = await self._collection(store_id)
            found = await collection.query(
                query_embeddings=[embedding],
                n_results=k,
                where=condition,
                include=["documents", "metadatas", "distances"],
            )
        rows = zip(found["ids"][0], found["documents"][0], found["metadatas"][0], found["distances"][0], strict=True)
        return [
            ScoredChunk(chunk=_chunk(chunk_id, text, metadata), score=1.0 - distance)
            for chunk_id, text, metadata, distance in rows
        ]

    async def query_keyword(self, store_id: str, text: str, k: int, filters: Filter | None) -> list[ScoredChunk]:
        """Every chunk holding a query word, scored by BM25 over the whole store, then filtered and cut to ``k``."""
        query = list(dict.fromkeys(terms(text)))
        if not query:
            return []
        holds_a_word = any_of([{TERMS: {"$contains": word}} for word in query])
        async with self._chroma(f"search {store_id}"):
            collection = await self._collection(store_id)
            candidates = await collection.get(where=holds_a_word, include=["documents"])
            allowed = None
            if filters is not None:
                matching = await collection.get(where=all_of([holds_a_word, where(filters)]), include=[])
                allowed = set(matching["ids"])
            chunk_count = await collection.count()
            _, total_terms = await self._total_terms(store_id)
        words = {chunk_id: terms(doc) for chunk_id, doc in zip(candidates["ids"], candidates["documents"], strict=True)}
        chunks_with = Counter(word for chunk_words in words.values() for word in set(chunk_words) if word in query)
        stats = CorpusStats(chunk_count, total_terms, dict(chunks_with))
        scores = {
            chunk_id: score(query, chunk_words, stats)
            for chunk_id, chunk_words in words.items()
            if allowed is None or chunk_id in allowed
        }
        best = heapq.nlargest(k, scores, key=scores.__getitem__)
        if not best:
            return []
        async with self._chroma(f"read chunks of {store_id}"):
            chunks = _chunks(await collection.get(ids=best, include=["documents", "metadatas"]))
        return [ScoredChunk(chunk=chunks[chunk_id], score=scores[chunk_id]) for chunk_id in best if chunk_id in chunks]

    async def health(self) -> dict[str, Any]:
        """OK while the server answers its heartbeat; otherwise why not (shown by /v1/providers)."""
        try:
            async with self._chroma("answer a heartbeat"):
                await self._client.heartbeat()
        except (ProviderUnavailableError, ProviderFailedError) as exc:
            return {"status": "Error", "message": exc.detail}
        return {"status": "OK", "message": f"Chroma at {self._url}"}

    async def close(self) -> None:
        """The HTTP client holds nothing that needs closing beyond its pooled connections."""
        self._collections.clear()
