"""Stores, attached files, their chunks and inserted chunks survive a restart, with the stores'
records on SQLite and on PostgreSQL."""

from pathlib import Path

from llama_stack_client import LlamaStackClient

from tests.support.postgres import StateStorage
from tests.vector_io.conftest import openai_client, start, wait_processed


def test_everything_survives_a_restart(
    tmp_path: Path, engine: str, engine_url: str | None, state_storage: StateStorage
) -> None:
    state = tmp_path / "state"
    with start(state, engine, engine_url, state_storage) as server:
        client = openai_client(server)
        file = client.files.create(file=("lore.md", b"The glimmerfen marsh is home to herons."), purpose="assistants")
        vector_store = client.vector_stores.create(name="kept", metadata={"a": "b"})
        client.vector_stores.files.create(vector_store.id, file_id=file.id, attributes={"region": "north"})
        before = wait_processed(client, vector_store.id)
        LlamaStackClient(base_url=server.base_url).vector_io.insert(
            vector_db_id=vector_store.id, chunks=[{"content": "Inserted: the vortigan comet returns.", "metadata": {}}]
        )
        gone = client.vector_stores.create(name="deleted")
        client.vector_stores.delete(gone.id)

    with start(state, engine, engine_url, state_storage) as server:
        client = openai_client(server)
        assert client.vector_stores.retrieve(vector_store.id) == before
        assert [s.id for s in client.vector_stores.list().data] == [vector_store.id]
        attached = client.vector_stores.files.retrieve(file.id, vector_store_id=vector_store.id)
        assert attached.status == "completed" and attached.attributes == {"region": "north"}
        for mode in ("vector", "keyword", "hybrid"):
            hits = client.vector_stores.search(
                vector_store.id,
                query="glimmerfen herons",
                filters={"type": "eq", "key": "region", "value": "north"},
                extra_body={"search_mode": mode},
            ).data
            assert [hit.file_id for hit in hits] == [file.id]
        query = LlamaStackClient(base_url=server.base_url).vector_io.query(
            vector_db_id=vector_store.id, query="vortigan comet", params={"mode": "keyword"}
        )
        assert query.chunks[0].content == "Inserted: the vortigan comet returns."
