"""`plugstack jobs follow`: a post-training job's progress bar and log, read over HTTP.

Polls GET /job/status and pages GET /job/logs from the last offset, so it works against any
plugstack server (and survives the server restarting under it), then exits with the job.
"""

import sys
import time
from typing import TextIO

import httpx

from plugstack.apis.post_training.models import JobLogsResponse, JobStatusResponse
from plugstack.apis.post_training.routes import PREFIX

BAR_WIDTH = 30
FINISHED = ("completed", "failed", "cancelled")


def render_bar(status: JobStatusResponse) -> str:
    """One line: a bar over steps, then step, loss, tokens/s and ETA as far as they are known."""
    progress = status.progress
    step, total = progress.get("step") or 0, progress.get("total_steps") or 0
    filled = int(BAR_WIDTH * step / total) if total else 0
    parts = [f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}]", status.status]
    if total:
        parts.append(f"step {step}/{total}")
    if progress.get("epoch"):
        parts.append(f"epoch {progress['epoch']}")
    if progress.get("loss") is not None:
        parts.append(f"loss {progress['loss']:.4f}")
    if progress.get("tokens_per_second"):
        parts.append(f"{progress['tokens_per_second']:.0f} tok/s")
    if progress.get("eta_seconds") is not None and status.status == "in_progress":
        parts.append(f"ETA {progress['eta_seconds']:.0f}s")
    if progress.get("stage") and not total:
        parts.append(progress["stage"])
    return "  ".join(parts)


def follow(base_url: str, job_uuid: str, out: TextIO = sys.stdout, interval: float = 1.0) -> int:
    """Follow until the job ends: 0 when it completed, 1 when it failed or was cancelled."""
    offset = 0
    tty = out.isatty()
    with httpx.Client(base_url=base_url.rstrip("/"), timeout=30) as client:
        while True:
            status = JobStatusResponse.model_validate(_get(client, "/job/status", {"job_uuid": job_uuid}))
            logs = JobLogsResponse.model_validate(_get(client, "/job/logs", {"job_uuid": job_uuid, "offset": offset}))
            offset = logs.next_offset
            bar = render_bar(status)
            if tty:
                out.write("\r\033[K")
            for line in logs.data:
                out.write(f"{line.line}\n")
            out.write(bar if tty else f"{bar}\n")
            out.flush()
            if status.status in FINISHED:
                out.write("\n" if tty else "")
                _summary(status, out)
                return 0 if status.status == "completed" else 1
            time.sleep(interval)


def _get(client: httpx.Client, path: str, params: dict[str, str | int]) -> object:
    response = client.get(PREFIX + path, params=params)
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        raise SystemExit(f"plugstack: {response.status_code} from {path}: {detail}")
    return response.json()


def _summary(status: JobStatusResponse, out: TextIO) -> None:
    if status.error:
        out.write(f"job {status.job_uuid} {status.status}: {status.error}\n")
    for checkpoint in status.checkpoints:
        metrics = checkpoint.training_metrics
        loss = f" (train loss {metrics.train_loss:.4f}, validation {metrics.validation_loss:.4f})" if metrics else ""
        out.write(f"checkpoint {checkpoint.identifier}: {checkpoint.path}{loss}\n")
    served = status.served_model
    if served is not None:
        out.write(f"model: {served.model_id}\n" if served.model_id else f"{served.error}\n")
