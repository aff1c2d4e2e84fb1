"""uvicorn's access log, the same lines written a batch at a time.

uvicorn logs each response through `logging`: a record, a formatter that copies it, a lock and
one ``write(2)`` per line, about 8 % of a relayed request's CPU. Where its line would go to a
plain stream with its stock format, `BatchedAccessLog` stands in for the ``uvicorn.access``
logger: it formats the same line directly and writes the lines of each ``FLUSH_S`` at once,
so a line shows at most that late; the rest are written at exit. Anything else (colours on a
terminal, another handler or format) keeps uvicorn's logger.
"""

import asyncio
import atexit
import http
import logging
from typing import TextIO

from uvicorn.config import LOGGING_CONFIG
from uvicorn.logging import AccessFormatter

FLUSH_S = 0.05
_STOCK_FORMAT = LOGGING_CONFIG["formatters"]["access"]["fmt"]
_PREFIX = "INFO:" + " " * (8 - len("INFO")) + " "  # uvicorn's level prefix, uncoloured, and the space after it
_PHRASES = {status.value: status.phrase for status in http.HTTPStatus}


class BatchedAccessLog:
    """Takes uvicorn's ``access_logger.info(message, client, method, path, version, status)``."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lines: list[str] = []
        atexit.register(self.flush)

    def info(self, message: str, client: str, method: str, path: str, version: str, status: int) -> None:
        if not self._lines:
            asyncio.get_running_loop().call_later(FLUSH_S, self.flush)
        phrase = _PHRASES.get(status, "")
        self._lines.append(f'{_PREFIX}{client} - "{method} {path} HTTP/{version}" {status} {phrase}\n')

    def flush(self) -> None:
        lines, self._lines = self._lines, []
        if lines:
            try:
                self._stream.write("".join(lines))
                self._stream.flush()
            except (OSError, ValueError):  # the stream is gone (closed at exit, a broken pipe)
                pass


_batched: dict[int, BatchedAccessLog] = {}


def batched(logger: logging.Logger) -> logging.Logger | BatchedAccessLog:
    """The stand-in for ``logger`` when its lines can be batched unchanged, else ``logger``."""
    handlers = logger.handlers
    if len(handlers) != 1 or logger.propagate or not logger.isEnabledFor(logging.INFO):
        return logger
    handler = handlers[0]
    formatter = handler.formatter
    if (
        type(handler) is not logging.StreamHandler
        or not isinstance(formatter, AccessFormatter)
        or formatter.use_colors
        or formatter._fmt != _STOCK_FORMAT
        or handler.filters
        or logger.filters
    ):
        return logger
    stream = handler.stream
    if id(stream) not in _batched:
        _batched[id(stream)] = BatchedAccessLog(stream)
    return _batched[id(stream)]
