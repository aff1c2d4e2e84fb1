"""Abandoned non-streamed requests stop their work.

A streamed response notices a gone client when it next writes; a non-streamed handler writes
only at the end, so without a watch it keeps a model busy for a client that gave up long ago.
Here the handler's work runs beside a watch on the connection: when the client disconnects
the work is cancelled, and the engine, seeing its caller gone, stops at its next token.
"""

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from fastapi import Request, Response

T = TypeVar("T")
CLIENT_CLOSED_REQUEST = 499  # nobody reads it: the status logged for a request its client abandoned


async def _disconnected(http: Request) -> None:
    """Returns once the client has gone (the body was read already, so only that can arrive)."""
    while (await http.receive())["type"] != "http.disconnect":
        pass


async def cancel_on_disconnect(http: Request, work: Awaitable[T]) -> T | Response:
    """``work``'s result, or, if the client disconnects first, a 499 once ``work`` has been cancelled."""
    task = asyncio.ensure_future(work)
    watch = asyncio.ensure_future(_disconnected(http))
    try:
        await asyncio.wait({task, watch}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watch.cancel()
        if not task.done():
            task.cancel()
            await asyncio.wait({task})  # the engine has seen its caller go before this returns
    if task.cancelled():
        return Response(status_code=CLIENT_CLOSED_REQUEST)
    return task.result()
