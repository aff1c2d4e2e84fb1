"""Bounded concurrency for batches of inference requests: a few workers take the next item
until none are left, so an engine that batches natively (llama.cpp's slots, vLLM) receives up
to ``limit`` requests together while memory stays flat however long the batch is.

Used by the synchronous batch routes and by batches providers (``/v1/batches``) alike.
"""

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


async def bounded_map(items: Iterable[Item], work: Callable[[Item], Awaitable[Result]], limit: int) -> list[Result]:
    """``work(item)`` for every item, at most ``limit`` at a time; results in item order.

    The first failure cancels the other workers (and the requests they have in flight) and is
    raised; so is cancelling the caller.
    """
    indexed = list(enumerate(items))
    results: dict[int, Result] = {}
    pending = iter(indexed)

    async def worker() -> None:
        for index, item in pending:
            results[index] = await work(item)

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(min(limit, len(indexed))):
                group.create_task(worker())
    except ExceptionGroup as failures:
        raise failures.exceptions[0] from None
    return [results[index] for index, _ in indexed]
