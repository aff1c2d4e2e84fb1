"""Entry point of a job's child process: ``python -m plugstack.jobs.child``.

Reads ``{"target": "module:function", "job_id": ..., "params": {...}, "secrets": {...}}`` on
stdin, calls ``function(params | secrets, reporter)`` (secrets, such as a job token, travel
only this way: the job table keeps the params alone) and reports over the original stdout as JSON lines. Anything
the work prints (its own stdout included) goes to stderr, which the parent keeps as log lines.
"""

import json
import os
import sys
import traceback
from importlib import import_module
from typing import IO, Any


class JobReporter:
    """Handed to the job function: report progress, log lines, artifacts."""

    def __init__(self, job_id: str, channel: IO[str]) -> None:
        self.job_id = job_id
        self._channel = channel

    def _send(self, message: dict[str, Any]) -> None:
        self._channel.write(json.dumps(message, default=str) + "\n")
        self._channel.flush()

    def progress(self, **fields: Any) -> None:
        self._send({"type": "progress", "progress": fields})

    def log(self, line: str) -> None:
        self._send({"type": "log", "line": line})

    def artifact(self, artifact: dict[str, Any]) -> None:
        self._send({"type": "artifact", "artifact": artifact})


def output_line(raw: str) -> str:
    """A line of the work's own output as the job log keeps it: progress bars redraw with \\r,
    so only the line's latest state."""
    return raw.rstrip().rsplit("\r", 1)[-1]


def main() -> int:
    channel = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # the work's prints go to stderr, i.e. to the job log
    sys.stdout = sys.stderr
    request = json.loads(sys.stdin.read())
    reporter = JobReporter(request["job_id"], channel)
    try:
        module_name, _, function_name = request["target"].partition(":")
        function = getattr(import_module(module_name), function_name)
        result = function({**request["params"], **request.get("secrets", {})}, reporter)
    except Exception as exc:  # noqa: BLE001 - report any failure to the parent, then exit non-zero
        traceback.print_exc()
        reporter._send({"type": "error", "error": f"{type(exc).__name__}: {exc}"})
        return 1
    reporter._send({"type": "result", "result": result})
    return 0


if __name__ == "__main__":
    sys.exit(main())
