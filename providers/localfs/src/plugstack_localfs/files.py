"""`inline::localfs`: uploaded files as plain files in the provider's state directory.

Metadata lives in the stack's key-value store (one JSON record per file), bytes in
``<state_dir>/files/<file id>``. An upload streams in chunks to ``<id>.part``, is renamed into
place once complete and recorded last, so a crash never leaves a half file under a real id;
the start-up sweep removes any bytes without a record. A file past its ``expires_at`` answers
404 from that moment: it is removed when next touched, and by a periodic sweep.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import BinaryIO

from plugstack.apis.files.listing import new_file_id, page
from plugstack.apis.files.models import (
    DeleteFileResponse,
    File,
    FileContent,
    FileRequest,
    ListFilesParams,
    ListFilesResponse,
    UploadFileRequest,
)
from plugstack.errors import NotFoundError, PayloadTooLargeError
from plugstack.storage.kv import KVStore
from plugstack_localfs.config import LocalFSFilesConfig

log = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 20
RECORD_PREFIX = "files/"


async def _read(handle: BinaryIO) -> AsyncIterator[bytes]:
    with handle:
        while chunk := await asyncio.to_thread(handle.read, CHUNK_BYTES):
            yield chunk


class LocalFSFiles:
    """Implements `plugstack.apis.files.protocol.Files`; ``clock`` (Unix seconds) is what tests move."""

    def __init__(
        self,
        config: LocalFSFilesConfig,
        provider_id: str,
        kv: KVStore,
        directory: Path,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._config = config
        self._provider_id = provider_id
        self._kv = kv
        self._dir = directory
        self._clock = clock
        self._sweeper: asyncio.Task[None] | None = None

    async def initialize(self) -> None:
        """Removes what a previous run left behind (expired files, unrecorded bytes), then sweeps periodically."""
        self._dir.mkdir(parents=True, exist_ok=True)
        recorded = {file.id for file in await self._live_files()}
        for path in self._dir.iterdir():
            if path.name not in recorded:
                path.unlink(missing_ok=True)
        self._sweeper = asyncio.create_task(self._sweep_periodically())

    async def shutdown(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper

    async def _sweep_periodically(self) -> None:
        while True:
            await asyncio.sleep(self._config.sweep_interval_s)
            try:
                await self._live_files()
            except Exception:
                log.exception("files provider %s: sweeping expired files failed", self._provider_id)

    def _path(self, file_id: str) -> Path:
        return self._dir / file_id

    def _expired(self, file: File) -> bool:
        return file.expires_at is not None and file.expires_at <= self._clock()

    async def _remove(self, file_id: str) -> None:
        await self._kv.delete(RECORD_PREFIX + file_id)
        self._path(file_id).unlink(missing_ok=True)

    async def _live_files(self) -> list[File]:
        """Every file that has not expired; the expired ones are removed on the way."""
        live = []
        for _, record in await self._kv.items(RECORD_PREFIX):
            file = File.model_validate_json(record)
            if self._expired(file):
                await self._remove(file.id)
            else:
                live.append(file)
        return live

    async def _file(self, file_id: str) -> File:
        record = await self._kv.get(RECORD_PREFIX + file_id)
        file = None if record is None else File.model_validate_json(record)
        if file is not None and self._expired(file):
            await self._remove(file_id)
            file = None
        if file is None:
            raise NotFoundError(f"file {file_id!r} not found")
        return file

    async def _store(self, file_id: str, content: AsyncIterator[bytes]) -> int:
        """Writes the content to disk chunk by chunk; its size, or a 413 once it passes the limit."""
        limit = self._config.max_file_bytes
        part = self._dir / f"{file_id}.part"
        size = 0
        try:
            with part.open("wb") as out:
                async for chunk in content:
                    size += len(chunk)
                    if size > limit:
                        raise PayloadTooLargeError(
                            f"the upload is larger than {limit} bytes, the max_file_bytes of files provider "
                            f"{self._provider_id!r}"
                        )
                    await asyncio.to_thread(out.write, chunk)
            part.replace(self._path(file_id))
        finally:
            part.unlink(missing_ok=True)
        return size

    async def upload_file(self, request: UploadFileRequest) -> File:
        now = self._clock()
        file_id = new_file_id(now)
        size = await self._store(file_id, request.content)
        created_at = int(now)
        file = File(
            id=file_id,
            bytes=size,
            created_at=created_at,
            expires_at=created_at + request.expires_after.seconds if request.expires_after else None,
            filename=request.filename,
            purpose=request.purpose,
        )
        await self._kv.set(RECORD_PREFIX + file_id, file.model_dump_json())
        return file

    async def list_files(self, request: ListFilesParams) -> ListFilesResponse:
        return page(await self._live_files(), request)

    async def retrieve_file(self, request: FileRequest) -> File:
        return await self._file(request.file_id)

    async def delete_file(self, request: FileRequest) -> DeleteFileResponse:
        file = await self._file(request.file_id)
        await self._remove(file.id)
        return DeleteFileResponse(id=file.id)

    async def file_content(self, request: FileRequest) -> FileContent:
        """Opened here, so a delete while the content streams does not cut it short."""
        file = await self._file(request.file_id)
        return FileContent(file=file, chunks=_read(self._path(file.id).open("rb")))
