"""A batch still running when its 24 h window ends stops asking and ends `expired`, its unanswered
lines in the error file: the provider on real files and storage, with its clock moved."""

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

from plugstack.apis.batches.models import FINISHED, Batch, BatchRequest, CreateBatchRequest
from plugstack.apis.files.models import FileRequest, UploadFileRequest
from plugstack.storage.kv import NamespacedKV
from plugstack.storage.sqlite import SqliteBackend
from plugstack_batches.config import BatchesConfig
from plugstack_batches.provider import COMPLETION_WINDOW_S, ReferenceBatches
from plugstack_localfs.config import LocalFSFilesConfig
from plugstack_localfs.files import LocalFSFiles
from tests.batches.conftest import COUNTING, chat_line, jsonl
from tests.batches.counting_inference import CountingConfig, CountingInference


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _finished(batches: ReferenceBatches, batch_id: str) -> Batch:
    while (batch := await batches.retrieve_batch(BatchRequest(batch_id=batch_id))).status not in FINISHED:
        await asyncio.sleep(0.01)
    return batch


async def test_expired_batch_files_its_unanswered_lines(tmp_path: Path) -> None:
    now = [1_000_000.0]
    backend = SqliteBackend(tmp_path / "state.db")
    files = LocalFSFiles(LocalFSFilesConfig(), "files", NamespacedKV(backend, "files"), tmp_path / "files")
    await files.initialize()
    calls = tmp_path / "calls.txt"
    inference = CountingInference(CountingConfig(calls_file=str(calls)))
    batches = ReferenceBatches(
        BatchesConfig(), inference, files, NamespacedKV(backend, "batches"), clock=lambda: now[0]
    )
    try:
        content = jsonl([chat_line(f"e{n}", COUNTING, f"late {n}") for n in range(3)])
        upload = UploadFileRequest(filename="in.jsonl", purpose="batch", content=_chunks(content))
        file = await files.upload_file(upload)
        batch = await batches.create_batch(
            CreateBatchRequest(input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h")
        )
        now[0] += COMPLETION_WINDOW_S  # the window ends before the batch asks anything
        expired = await asyncio.wait_for(_finished(batches, batch.id), timeout=30)
        assert expired.status == "expired" and expired.expired_at == int(now[0])
        assert (expired.request_counts.completed, expired.request_counts.failed) == (0, 3)
        assert expired.output_file_id is None and expired.error_file_id is not None
        error_file = await files.file_content(FileRequest(file_id=expired.error_file_id))
        lines = [json.loads(line) for line in b"".join([c async for c in error_file.chunks]).splitlines()]
        assert [(line["custom_id"], line["error"]["code"]) for line in lines] == [
            (f"e{n}", "batch_expired") for n in range(3)
        ]
        assert not calls.exists()
    finally:
        await batches.shutdown()
        await files.shutdown()
        backend.close()
