"""Bounded concurrency over rows: a few workers take the next row until none are left.

Workers (not one task per row) keep memory flat for large datasets; a TaskGroup makes the
first failure cancel the other workers instead of leaving them generating for nobody.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


async def bounded_map(
    items: Sequence[Item],
    work: Callable[[int, Item], Awaitable[Result]],
    limit: int,
    on_done: Callable[[int], Awaitable[None]] | None = None,
) -> list[Result]:
    """``work(index, item)`` for every item, at most ``limit`` at a time, results in item order.

    ``on_done(count)`` is awaited after each item with the number finished so far.
    """
    results: list[Result | None] = [None] * len(items)
    pending = iter(enumerate(items))
    finished = 0

    async def worker() -> None:
        nonlocal finished
        for index, item in pending:
            results[index] = await work(index, item)
            finished += 1
            if on_done is not None:
                await on_done(finished)

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(min(limit, len(items))):
                group.create_task(worker())
    except ExceptionGroup as failures:
        raise failures.exceptions[0] from None
    return results  # type: ignore[return-value]
