"""What `plugstack run` logs besides uvicorn's own lines: plugstack's and its providers' records
(loggers named ``plugstack…``: the core, and ``plugstack_<provider>`` packages) at the chosen
level, so an operator sees resumed batches, adopted jobs and progress of long synchronous work;
other libraries' from WARNING up, since some log every request at INFO (httpx).

Passed to uvicorn as its ``log_config``: uvicorn's own loggers and formats stay as they were.
"""

import copy
import logging
from typing import Any

from uvicorn.config import LOGGING_CONFIG

OWN_PREFIX = "plugstack"


class OwnRecordsAt(logging.Filter):
    """Lets plugstack's records through from ``level``, everything else's from WARNING."""

    def __init__(self, level: str) -> None:
        super().__init__()
        self.level = logging.getLevelNamesMapping()[level.upper()]

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= (self.level if record.name.startswith(OWN_PREFIX) else logging.WARNING)


def log_config(level: str) -> dict[str, Any]:
    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"own_records": {"()": OwnRecordsAt, "level": level}}
    config["formatters"]["named"] = {
        "()": "uvicorn.logging.DefaultFormatter",
        "fmt": "%(levelprefix)s %(name)s: %(message)s",
        "use_colors": None,
    }
    config["handlers"]["named"] = {
        "formatter": "named",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "filters": ["own_records"],
    }
    root_level = min(logging.getLevelNamesMapping()[level.upper()], logging.WARNING)
    config["root"] = {"handlers": ["named"], "level": logging.getLevelName(root_level)}
    return config
