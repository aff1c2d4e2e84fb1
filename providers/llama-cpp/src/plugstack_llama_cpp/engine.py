"""One loaded GGUF model: its llama.cpp contexts, touched only from the model's worker thread."""

import os
from collections.abc import AsyncGenerator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from llama_cpp import Llama, StoppingCriteriaList

from plugstack.apis.inference.worker import CallState, ModelWorker

T = TypeVar("T")


def physical_cores() -> int:
    """Physical cores this process may run on: llama.cpp gains nothing from hyper-threads."""
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    cores: set[tuple[str, str]] = set()
    physical_id = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "physical id":
                physical_id = value.strip()
            elif key.strip() == "core id":
                cores.add((physical_id, value.strip()))
    except OSError:
        pass
    return max(1, min(available, len(cores) or available))


@dataclass(frozen=True)
class LoadOptions:
    n_ctx: int
    n_batch: int
    n_threads: int
    chat_template: str | None = None


class Generation:
    """A call's stopping criterion: stops when the caller is gone or the model unloaded, and
    counts sampled tokens. llama-cpp-python calls it once per sampled token and once more when
    generation ends, so the count is exact without reaching into its internals."""

    def __init__(self, state: CallState) -> None:
        self._state = state
        self._calls = 0

    def __call__(self, input_ids: Any, logits: Any) -> bool:
        self._calls += 1
        return self._state.should_stop()

    @property
    def sampled_tokens(self) -> int:
        return max(0, self._calls - 1)

    def criteria(self) -> StoppingCriteriaList:
        """The criterion for one more completion call, its count restarted."""
        self._calls = 0
        return StoppingCriteriaList([self])


class Engine:
    def __init__(self, name: str, path: Path, options: LoadOptions, max_queue: int) -> None:
        self.name = name
        self.path = path
        self.options = options
        self.worker = ModelWorker(name, max_queue)
        self._llama: Llama | None = None
        self._llama_logits: Llama | None = None

    def _open(self, logits_all: bool) -> Llama:
        return Llama(
            model_path=str(self.path),
            n_ctx=self.options.n_ctx,
            n_batch=self.options.n_batch,
            n_threads=self.options.n_threads,
            n_threads_batch=self.options.n_threads,
            logits_all=logits_all,
            verbose=False,
        )

    @classmethod
    async def load(cls, name: str, path: Path, options: LoadOptions, max_queue: int) -> "Engine":
        """Load the GGUF on the model's own thread, so the server keeps serving meanwhile."""
        engine = cls(name, path, options, max_queue)
        try:
            engine._llama = await engine.worker.call(lambda: engine._open(False))
        except BaseException:
            await engine.worker.close()
            raise
        return engine

    @property
    def llama(self) -> Llama:
        """The context for ordinary generation (only the last position's logits are kept)."""
        assert self._llama is not None, "engine not loaded"
        return self._llama

    def llama_with_logprobs(self) -> Llama:
        """A second context that keeps every position's logits, which logprobs need.

        Keeping them costs n_ctx x vocabulary floats and slows every prompt down, so it is
        opened by the first request that asks for logprobs (the weights are mmap-shared).
        """
        if self._llama_logits is None:
            self._llama_logits = self._open(True)
        return self._llama_logits

    def stream(self, job: Callable[["Engine", Generation], Iterator[T]]) -> AsyncGenerator[T, None]:
        return self.worker.stream(lambda state: job(self, Generation(state)))

    async def call(self, work: Callable[[Llama], T]) -> T:
        return await self.worker.call(lambda: work(self.llama))

    async def close(self) -> None:
        """Stop running work at its next token, then free the contexts on the model's thread."""

        def free() -> None:
            for llama in (self._llama, self._llama_logits):
                if llama is not None:
                    llama.close()
            self._llama = self._llama_logits = None

        await self.worker.close(free)
