"""Files survive a restart; one that expired while the server was down is gone after it (on SQLite
and on PostgreSQL)."""

from pathlib import Path

import pytest
from openai import NotFoundError

from plugstack.apis.files.models import File
from plugstack.storage.kv import NamespacedKV
from tests.files.conftest import RUN_YAML, content_dir, openai_client
from tests.support.postgres import StateStorage
from tests.support.server import run_server


async def _expire_now(storage: StateStorage, state: Path, file_id: str) -> None:
    """Moves the file's expires_at into the past in the provider's store (an hour is too long to wait)."""
    backend = await storage.open(state)
    kv = NamespacedKV(backend, "provider/files")
    record = await kv.get(f"files/{file_id}")
    assert record is not None
    file = File.model_validate_json(record)
    await kv.set(f"files/{file_id}", file.model_copy(update={"expires_at": file.created_at}).model_dump_json())
    await backend.aclose()


async def test_files_survive_a_restart_and_expire_while_down(tmp_path: Path, state_storage: StateStorage) -> None:
    state, config = tmp_path / "state", state_storage.apply(RUN_YAML)
    with run_server(config, state) as server:
        client = openai_client(server)
        kept = client.files.create(file=("kept.txt", b"kept bytes"), purpose="batch")
        gone = client.files.create(file=("gone.txt", b"deleted"), purpose="batch")
        expiring = client.files.create(
            file=("expiring.txt", b"soon"), purpose="batch", expires_after={"anchor": "created_at", "seconds": 3600}
        )
        client.files.delete(gone.id)

    await _expire_now(state_storage, state, expiring.id)
    with run_server(config, state) as server:
        client = openai_client(server)
        assert [f.id for f in client.files.list().data] == [kept.id]
        assert client.files.retrieve(kept.id) == kept
        assert client.files.content(kept.id).content == b"kept bytes"
        for file_id in (gone.id, expiring.id):
            with pytest.raises(NotFoundError):
                client.files.retrieve(file_id)
        assert [p.name for p in content_dir(state).iterdir()] == [kept.id]
