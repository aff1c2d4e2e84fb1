"""The periodic sweep deletes an expired vector store with its chunks, with nobody touching it.

The store is one an earlier run left behind (its record and its index on disk) that expired
while the server was down; the service runs on a clock the test sets past its expiry.
"""

import asyncio
from pathlib import Path

import numpy as np

from plugstack.apis.inference.router import InferenceRouter
from plugstack.apis.models import MODELS
from plugstack.apis.vector_io.models import StoredChunk, VectorStore
from plugstack.apis.vector_io.service import STORES, VectorStoreService
from plugstack.registry.routing import RoutingTable
from plugstack.registry.store import ResourceStore
from plugstack.storage.kv import NamespacedKV
from plugstack.storage.sqlite import SqliteBackend
from plugstack_localfs.config import LocalFSFilesConfig
from plugstack_localfs.files import LocalFSFiles
from plugstack_sqlite_vec.config import SqliteVecConfig
from plugstack_sqlite_vec.engine import SqliteVecEngine

EXPIRES_AT = 1_700_000_000
SWEEP_S = 0.05


def _store(store_id: str, expires_at: int | None) -> VectorStore:
    return VectorStore(
        id=store_id,
        created_at=EXPIRES_AT - 86_400,
        expires_at=expires_at,
        embedding_model="m",
        embedding_dimension=4,
        provider_id="vectors",
    )


async def test_the_sweep_deletes_expired_stores_and_their_chunks(tmp_path: Path) -> None:
    backend = SqliteBackend(tmp_path / "state.db")
    kv = NamespacedKV(backend, "vectors")
    config = SqliteVecConfig(expiry_sweep_interval_s=SWEEP_S)
    engine = SqliteVecEngine(tmp_path / "vectors.db", config)
    for store in (_store("vs_expired", EXPIRES_AT), _store("vs_kept", None)):
        await engine.create_index(store.id, 4)
        await engine.add_chunks(store.id, [StoredChunk(chunk_id="c", text="t", content="t")], [[1.0, 0, 0, 0]])
        await kv.set(STORES + store.id, store.model_dump_json())
    models = RoutingTable(MODELS, ResourceStore(NamespacedKV(backend, "registry")), [])
    files = LocalFSFiles(LocalFSFilesConfig(), "files", NamespacedKV(backend, "files"), tmp_path / "files")
    service = VectorStoreService(
        engine,
        provider_id="vectors",
        settings=config,
        files=files,
        inference=InferenceRouter(models),
        models=models,
        kv=kv,
        clock=lambda: EXPIRES_AT,
    )
    await service.initialize()
    assert sorted(await engine.index_ids()) == ["vs_expired", "vs_kept"]  # not swept before its interval

    await asyncio.sleep(SWEEP_S * 4)
    assert await engine.index_ids() == ["vs_kept"]
    assert [key for key, _ in await kv.items(STORES)] == [STORES + "vs_kept"]
    hits = await engine.query_vector("vs_kept", np.ones(4).tolist(), 10, None)
    assert [hit.chunk.chunk_id for hit in hits] == ["c"]
    await service.shutdown()
    backend.close()
