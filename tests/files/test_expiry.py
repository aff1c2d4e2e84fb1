"""Expiry and crash leftovers, on the provider itself with a clock the test moves, over SQLite and
PostgreSQL."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from plugstack.apis.files.models import ExpiresAfter, FileRequest, ListFilesParams, UploadFileRequest
from plugstack.errors import NotFoundError, PayloadTooLargeError
from plugstack.storage.backends import StorageBackend
from plugstack.storage.kv import NamespacedKV
from plugstack_localfs.config import LocalFSFilesConfig
from plugstack_localfs.files import LocalFSFiles

HOUR = 3600
START = 1_700_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def backend(storage_backend: StorageBackend) -> StorageBackend:
    return storage_backend


async def _provider(backend: StorageBackend, directory: Path, clock: Clock, **config: float) -> LocalFSFiles:
    files = LocalFSFiles(LocalFSFilesConfig(**config), "files", NamespacedKV(backend, "files"), directory, clock)
    await files.initialize()
    return files


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


def _upload(*parts: bytes, seconds: int | None = None) -> UploadFileRequest:
    expires = ExpiresAfter(anchor="created_at", seconds=seconds) if seconds else None
    return UploadFileRequest(filename="f.txt", purpose="assistants", expires_after=expires, content=_chunks(*parts))


async def _read(files: LocalFSFiles, file_id: str) -> bytes:
    content = await files.file_content(FileRequest(file_id=file_id))
    return b"".join([chunk async for chunk in content.chunks])


async def test_a_file_is_gone_from_its_expires_at(backend: StorageBackend, tmp_path: Path) -> None:
    clock = Clock()
    files = await _provider(backend, tmp_path / "files", clock)
    expiring = await files.upload_file(_upload(b"a", b"b", seconds=HOUR))
    kept = await files.upload_file(_upload(b"c"))
    assert expiring.expires_at == int(START) + HOUR

    clock.now = START + HOUR - 1
    assert await _read(files, expiring.id) == b"ab"
    clock.now = START + HOUR
    with pytest.raises(NotFoundError, match=expiring.id):
        await files.retrieve_file(FileRequest(file_id=expiring.id))
    assert not (tmp_path / "files" / expiring.id).exists()
    assert [f.id for f in (await files.list_files(ListFilesParams())).data] == [kept.id]
    await files.shutdown()


async def test_listing_removes_expired_files_bytes(backend: StorageBackend, tmp_path: Path) -> None:
    clock = Clock()
    files = await _provider(backend, tmp_path / "files", clock)
    expiring = await files.upload_file(_upload(b"x", seconds=HOUR))
    clock.now += 2 * HOUR
    assert (await files.list_files(ListFilesParams())).data == []
    assert not (tmp_path / "files" / expiring.id).exists()
    await files.shutdown()


async def test_start_up_removes_expired_and_unrecorded_bytes(backend: StorageBackend, tmp_path: Path) -> None:
    clock = Clock()
    directory = tmp_path / "files"
    files = await _provider(backend, directory, clock)
    expiring = await files.upload_file(_upload(b"x", seconds=HOUR))
    kept = await files.upload_file(_upload(b"y"))
    await files.shutdown()
    (directory / "file-0000.part").write_bytes(b"half an upload")
    (directory / "file-0001").write_bytes(b"renamed, never recorded")

    clock.now += HOUR
    restarted = await _provider(backend, directory, clock)
    assert sorted(p.name for p in directory.iterdir()) == [kept.id]
    assert await _read(restarted, kept.id) == b"y"
    assert expiring.id not in [f.id for f in (await restarted.list_files(ListFilesParams())).data]
    await restarted.shutdown()


async def test_too_large_upload_leaves_no_bytes(backend: StorageBackend, tmp_path: Path) -> None:
    files = await _provider(backend, tmp_path / "files", Clock(), max_file_bytes=5)
    with pytest.raises(PayloadTooLargeError, match="5 bytes"):
        await files.upload_file(_upload(b"abc", b"def"))
    assert list((tmp_path / "files").iterdir()) == []
    assert (await files.upload_file(_upload(b"ab", b"cde"))).bytes == 5
    await files.shutdown()


# it waits for the sweep a fixed while: on SQLite only, whose calls take microseconds
@pytest.mark.parametrize("storage_backend", ["sqlite"], indirect=True)
async def test_the_sweep_removes_expired_files_untouched(backend: StorageBackend, tmp_path: Path) -> None:
    clock = Clock()
    files = await _provider(backend, tmp_path / "files", clock, sweep_interval_s=0.05)
    expiring = await files.upload_file(_upload(b"x", seconds=HOUR))
    kept = await files.upload_file(_upload(b"y"))
    clock.now += HOUR
    await asyncio.sleep(0.2)
    assert sorted(p.name for p in (tmp_path / "files").iterdir()) == [kept.id]
    assert await backend.get(f"files/files/{expiring.id}") is None
    await files.shutdown()
