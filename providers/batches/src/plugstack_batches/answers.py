"""One line of a batch, answered through the inference router as its route would answer it.

The response body is what the route returns: the completion, or the stack's error body
(``{status, title, detail}``) with its status code. A model that is busy (429) is asked again
after a pause: a batch waits its turn behind interactive traffic rather than failing lines.
"""

import asyncio
import logging
import uuid
from collections.abc import Awaitable
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from plugstack.apis.batches.models import BatchEndpoint, LineError, LineResponse, OutputLine
from plugstack.apis.inference.models import ChatCompletionRequest, CompletionRequest, EmbeddingsRequest
from plugstack.apis.inference.protocol import Inference
from plugstack.errors import BadRequestError, ErrorBody, PlugstackError, QuotaExceededError
from plugstack.server.errors import describe_validation
from plugstack_batches.input_file import ParsedLine

log = logging.getLogger(__name__)

BUSY_RETRIES = 8
BUSY_PAUSE_S = 0.5  # doubled after each 429, up to BUSY_PAUSE_MAX_S
BUSY_PAUSE_MAX_S = 10.0


def _call(inference: Inference, endpoint: BatchEndpoint, body: dict[str, Any]) -> Awaitable[BaseModel]:
    """The router call for ``body`` on ``endpoint``; raises the request's validation errors."""
    if body.get("stream"):
        raise BadRequestError("stream: a batch answers each request whole; leave stream unset")
    if endpoint == "/v1/chat/completions":
        return inference.chat_completion(ChatCompletionRequest.model_validate(body))  # type: ignore[return-value]
    if endpoint == "/v1/completions":
        return inference.completion(CompletionRequest.model_validate(body))  # type: ignore[return-value]
    return inference.embeddings(EmbeddingsRequest.model_validate(body))


async def _attempt(inference: Inference, endpoint: BatchEndpoint, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """(status code, body) of one try of the request."""
    try:
        result = await _call(inference, endpoint, body)
    except ValidationError as exc:
        error: PlugstackError = BadRequestError(describe_validation(RequestValidationError(exc.errors())))
    except PlugstackError as exc:
        error = exc
    except Exception as exc:  # the line fails with the reason; the batch goes on
        log.exception("batch request to %s failed", endpoint)
        failure = ErrorBody(status=500, title="Internal Server Error", detail=f"{type(exc).__name__}: {exc}")
        return 500, failure.model_dump(exclude_none=True)
    else:
        return 200, result.model_dump(mode="json", by_alias=True)
    return error.status, error.body(instance=endpoint).model_dump(exclude_none=True)


async def _respond(inference: Inference, endpoint: BatchEndpoint, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """(status code, body) of the request, asked again while the model is busy."""
    pause = BUSY_PAUSE_S
    status, answer_body = await _attempt(inference, endpoint, body)
    for _ in range(BUSY_RETRIES):
        if status != QuotaExceededError.status:
            break
        await asyncio.sleep(pause)
        pause = min(pause * 2, BUSY_PAUSE_MAX_S)
        status, answer_body = await _attempt(inference, endpoint, body)
    return status, answer_body


def _line_id() -> str:
    return f"batch_req_{uuid.uuid4().hex}"


def failed_line(line: ParsedLine, code: str, message: str) -> OutputLine:
    """The output of a line that never became a request."""
    return OutputLine(id=_line_id(), custom_id=line.custom_id, error=LineError(code=code, message=message))


async def answer(inference: Inference, endpoint: BatchEndpoint, line: ParsedLine) -> OutputLine:
    if line.request is None:
        return failed_line(line, "invalid_request", line.problem or f"line {line.line} cannot run")
    status, body = await _respond(inference, endpoint, line.request.body)
    response = LineResponse(status_code=status, request_id=uuid.uuid4().hex, body=body)
    return OutputLine(id=_line_id(), custom_id=line.custom_id, response=response)
