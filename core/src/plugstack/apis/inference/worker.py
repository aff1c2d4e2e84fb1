"""A model's own worker thread, for in-process inference providers.

Engines such as llama.cpp are not thread-safe and are CPU-bound: every call runs on the
model's one thread (a one-thread executor is the lock) and the event loop only awaits what
the thread hands over through an asyncio queue. At most ``max_queue`` calls wait or run per
model; more are refused with a 429 rather than piling up. A caller that goes away (a client
that disconnects) makes ``should_stop()`` true, so a long generation can stop at its next
token instead of holding the model for nobody; so does closing the worker (model unloaded).
"""

import asyncio
import threading
from collections.abc import AsyncGenerator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import aclosing
from typing import Any, TypeVar

from plugstack.errors import ProviderUnavailableError, QuotaExceededError

T = TypeVar("T")
_END = object()


class CallState:
    """What a job sees of its call."""

    def __init__(self, worker: "ModelWorker") -> None:
        self._worker = worker
        self.caller_gone = threading.Event()

    def should_stop(self) -> bool:
        return self.caller_gone.is_set() or self._worker.closed

    def check_open(self) -> None:
        """Raise if the model was unloaded during the call (the caller sees a 503, not an ending)."""
        if self._worker.closed:
            raise ProviderUnavailableError(f"model {self._worker.name!r} was unloaded during the request")


class ModelWorker:
    def __init__(self, name: str, max_queue: int) -> None:
        self.name = name
        self.max_queue = max_queue
        self.closed = False
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"model:{name}")
        self._in_progress = 0

    async def stream(self, job: Callable[[CallState], Iterator[T]]) -> AsyncGenerator[T, None]:
        """Run ``job`` on the model's thread and yield what it yields, as it yields it."""
        if self.closed:
            raise ProviderUnavailableError(f"model {self.name!r} is unloaded")
        if self._in_progress >= self.max_queue:
            raise QuotaExceededError(
                f"model {self.name!r} already has {self._in_progress} requests in progress; retry later"
            )
        self._in_progress += 1
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[object, Any]] = asyncio.Queue()
        state = CallState(self)

        def hand_over(kind: object, value: Any) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, (kind, value))
            except RuntimeError:  # the loop is closed: the server is shutting down
                state.caller_gone.set()

        def run() -> None:
            try:
                if state.caller_gone.is_set():
                    return
                state.check_open()
                for item in job(state):
                    state.check_open()
                    if state.caller_gone.is_set():
                        return
                    hand_over(None, item)
                state.check_open()
            except BaseException as exc:  # noqa: BLE001 - handed to the awaiting caller, raised there
                hand_over(exc, None)
            finally:
                hand_over(_END, None)

        loop.run_in_executor(self._executor, run)
        try:
            while True:
                kind, value = await queue.get()
                if kind is _END:
                    return
                if isinstance(kind, BaseException):
                    raise kind
                yield value
        finally:
            state.caller_gone.set()
            self._in_progress -= 1

    async def call(self, work: Callable[[], T]) -> T:
        """Run one piece of work on the model's thread (load, tokenize, embed a batch)."""

        def job(state: CallState) -> Iterator[T]:
            yield work()

        async with aclosing(self.stream(job)) as results:
            async for result in results:
                return result
        raise ProviderUnavailableError(f"model {self.name!r} is unloaded")

    async def close(self, release: Callable[[], None] | None = None) -> None:
        """Stop running work at its next step, run ``release`` on the model's thread, end the thread."""
        self.closed = True
        if release is not None:
            await asyncio.get_running_loop().run_in_executor(self._executor, release)
        self._executor.shutdown(wait=False)
