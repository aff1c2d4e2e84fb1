"""`inline::reference`: OpenAI's batches over the stack's inference router and files API.

Each batch runs as a task of this provider: validating (the input file is read and checked),
in_progress (``max_concurrency`` lines at a time through the inference router), finalizing
(the output and error files are written), then completed; or failed (the file was refused),
cancelling → cancelled, expired. Every answered line is stored as it is answered and the
batch record after it (``request_counts`` are live), so a server that stops mid-batch, however
abruptly, resumes the batch at its next start and asks only the lines still unanswered.

Batches are not jobs of the core job system, which fails a job left running by a previous
server instead of resuming it; their state lives in the provider's key-value store instead.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from plugstack.access import ownership
from plugstack.apis.batches.listing import new_batch_id, page
from plugstack.apis.batches.models import (
    FINISHED,
    Batch,
    BatchError,
    BatchErrors,
    BatchRequest,
    BatchRequestCounts,
    BatchStatus,
    CreateBatchRequest,
    ListBatchesParams,
    ListBatchesResponse,
    OutputLine,
)
from plugstack.apis.files.models import FileRequest
from plugstack.apis.files.protocol import Files
from plugstack.apis.inference.batch_concurrency import bounded_map
from plugstack.apis.inference.protocol import Inference
from plugstack.errors import BadRequestError, ConflictError, NotFoundError
from plugstack.storage.kv import KVStore
from plugstack_batches.answers import answer, failed_line
from plugstack_batches.config import BatchesConfig
from plugstack_batches.input_file import InputRefused, ParsedLine, read_input
from plugstack_batches.results import write_results
from plugstack_batches.store import BatchStore

log = logging.getLogger(__name__)

COMPLETION_WINDOW_S = 24 * 3600


def _counts(lines: dict[int, OutputLine], total: int) -> BatchRequestCounts:
    completed = sum(1 for line in lines.values() if line.succeeded)
    return BatchRequestCounts(completed=completed, failed=len(lines) - completed, total=total)


class ReferenceBatches:
    """Implements `plugstack.apis.batches.protocol.Batches`; ``clock`` (Unix seconds) is what tests move."""

    def __init__(
        self,
        config: BatchesConfig,
        inference: Inference,
        files: Files,
        kv: KVStore,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._config = config
        self._inference = inference
        self._files = files
        self._store = BatchStore(kv)
        self._clock = clock
        self._live: dict[str, Batch] = {}  # the latest record of every batch this provider runs
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._saving = asyncio.Lock()

    # -- lifecycle --------------------------------------------------------------------------

    async def initialize(self) -> None:
        """Picks up every batch a previous server left unfinished, where it stopped."""
        for batch in await self._store.all():
            if batch.status in FINISHED:
                continue
            self._live[batch.id] = batch
            log.info("resuming batch %s (%s)", batch.id, batch.status)
            if batch.status == "cancelling":
                self._start(batch.id, self._finish(batch.id, "cancelled"))
            else:
                self._start(batch.id, self._run(batch.id))

    async def shutdown(self) -> None:
        """Stops the running batches without finishing them: the next start resumes them."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def _start(self, batch_id: str, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(_as_owner(batch_id, work))
        self._tasks[batch_id] = task

        def forget(done: asyncio.Task[None]) -> None:
            if self._tasks.get(batch_id) is done:
                del self._tasks[batch_id]
                self._live.pop(batch_id, None)

        task.add_done_callback(forget)

    async def _update(self, batch_id: str, **fields: Any) -> Batch:
        """Changes the live record and saves it; saves are serialized and write the latest state."""
        batch = self._live[batch_id].model_copy(update=fields)
        self._live[batch_id] = batch
        async with self._saving:
            await self._store.save(self._live[batch_id])
        return batch

    def _now(self) -> int:
        return int(self._clock())

    # -- running a batch --------------------------------------------------------------------

    async def _read(self, batch: Batch) -> list[ParsedLine]:
        content = await self._files.file_content(FileRequest(file_id=batch.input_file_id))
        data = b"".join([chunk async for chunk in content.chunks])
        return read_input(data, batch.endpoint, self._config.max_lines)

    async def _run(self, batch_id: str) -> None:
        try:
            await self._process(batch_id)
        except InputRefused as exc:
            await self._update(batch_id, status="failed", failed_at=self._now(), errors=BatchErrors(data=exc.errors))
        except NotFoundError as exc:  # the input file was deleted before the batch read it
            error = BatchError(code="file_not_found", message=exc.detail)
            await self._update(batch_id, status="failed", failed_at=self._now(), errors=BatchErrors(data=[error]))
        except Exception as exc:
            log.exception("batch %s failed", batch_id)
            error = BatchError(code="internal_error", message=f"{type(exc).__name__}: {exc}")
            await self._update(batch_id, status="failed", failed_at=self._now(), errors=BatchErrors(data=[error]))

    async def _process(self, batch_id: str) -> None:
        batch = self._live[batch_id]
        lines = await self._read(batch)
        done = await self._store.lines(batch_id)
        counts = _counts(done, len(lines))
        if batch.status == "validating":
            model = lines[0].request.body.get("model") if lines[0].request else None
            await self._update(
                batch_id,
                status="in_progress",
                in_progress_at=self._now(),
                request_counts=counts,
                model=model if isinstance(model, str) else None,
            )
        else:
            await self._update(batch_id, request_counts=counts)
        pending = [line for line in lines if line.index not in done]
        await bounded_map(pending, lambda line: self._answer(batch_id, line), self._config.max_concurrency)
        expired = self._expired(self._live[batch_id])
        await self._finish(batch_id, "expired" if expired else "completed")

    def _expired(self, batch: Batch) -> bool:
        return batch.expires_at is not None and self._clock() >= batch.expires_at

    async def _answer(self, batch_id: str, line: ParsedLine) -> None:
        batch = self._live[batch_id]
        if self._expired(batch):
            output = failed_line(line, "batch_expired", "the batch expired before this request ran")
        else:
            output = await answer(self._inference, batch.endpoint, line)
        await self._store.save_line(batch_id, line.index, output)
        counts = self._live[batch_id].request_counts
        succeeded = output.succeeded
        await self._update(
            batch_id,
            request_counts=counts.model_copy(
                update={"completed": counts.completed + succeeded, "failed": counts.failed + (not succeeded)}
            ),
        )

    async def _finish(self, batch_id: str, status: BatchStatus) -> None:
        """Writes the answered lines to the output and error files and ends the batch with ``status``."""
        if status != "cancelled":
            await self._update(batch_id, status="finalizing", finalizing_at=self._now())
        done = await self._store.lines(batch_id)
        output_file_id, error_file_id = await write_results(self._files, batch_id, (done[i] for i in sorted(done)))
        await self._update(
            batch_id,
            status=status,
            output_file_id=output_file_id,
            error_file_id=error_file_id,
            request_counts=_counts(done, self._live[batch_id].request_counts.total),
            **{f"{status}_at": self._now()},
        )
        await self._store.drop_lines(batch_id)

    async def _cancel(self, batch_id: str, runner: asyncio.Task[None] | None) -> None:
        """Once the runner has stopped, the lines answered so far go to the files."""
        if runner is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await runner
        await self._finish(batch_id, "cancelled")

    # -- the API ----------------------------------------------------------------------------

    async def create_batch(self, request: CreateBatchRequest) -> Batch:
        file = await self._files.retrieve_file(FileRequest(file_id=request.input_file_id))
        if file.purpose != "batch":
            raise BadRequestError(
                f"input_file_id: file {file.id!r} has purpose {file.purpose!r}; "
                "upload the requests with purpose 'batch'"
            )
        now = self._clock()
        batch = Batch(
            id=new_batch_id(now),
            endpoint=request.endpoint,
            input_file_id=file.id,
            completion_window=request.completion_window,
            status="validating",
            created_at=int(now),
            expires_at=int(now) + COMPLETION_WINDOW_S,
            metadata=request.metadata,
        )
        self._live[batch.id] = batch
        await self._store.save(batch)
        self._start(batch.id, self._run(batch.id))
        return batch

    async def retrieve_batch(self, request: BatchRequest) -> Batch:
        batch = self._live.get(request.batch_id) or await self._store.load(request.batch_id)
        if batch is None:
            raise NotFoundError(f"batch {request.batch_id!r} not found")
        return batch

    async def list_batches(self, request: ListBatchesParams) -> ListBatchesResponse:
        stored = {batch.id: batch for batch in await self._store.all()}
        return page({**stored, **self._live}.values(), request)

    async def cancel_batch(self, request: BatchRequest) -> Batch:
        batch = await self.retrieve_batch(request)
        if batch.status in ("cancelling", "cancelled"):
            return batch
        if batch.status in FINISHED:
            raise ConflictError(f"batch {batch.id!r} is already {batch.status}; only a running batch can be cancelled")
        runner = self._tasks.get(batch.id)
        if runner is not None:
            runner.cancel()  # before any await, so the runner records nothing after "cancelling"
        cancelling = await self._update(batch.id, status="cancelling", cancelling_at=self._now())
        self._start(batch.id, self._cancel(batch.id, runner))
        return cancelling


async def _as_owner(batch_id: str, work: Coroutine[Any, Any, None]) -> None:
    """A batch resumed at start-up runs as its owner (with auth on), so its files stay its owner's."""
    await ownership.act_as_owner("batch", batch_id)
    await work
