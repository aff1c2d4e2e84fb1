"""One exception hierarchy for the whole stack; the server maps it to the seed's `Error` body.

Providers raise these (or let anything else escape, which becomes a 502) and never build
HTTP responses themselves.
"""

from typing import ClassVar

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    """The `Error` schema of seeds/002: every non-2xx response has this body."""

    status: int = Field(description="HTTP status code")
    title: str = Field(description="short summary of the error type")
    detail: str = Field(description="what went wrong, for a person")
    instance: str | None = Field(default=None, description="the request path that failed")


class PlugstackError(Exception):
    status: ClassVar[int] = 500
    title: ClassVar[str] = "Internal Server Error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers: dict[str, str] = {}  # sent with the error response

    def body(self, instance: str | None = None) -> ErrorBody:
        return ErrorBody(status=self.status, title=self.title, detail=self.detail, instance=instance)


class BadRequestError(PlugstackError):
    status = 400
    title = "Bad Request"


class UnauthorizedError(PlugstackError):
    status = 401
    title = "Unauthorized"


class ForbiddenError(PlugstackError):
    """The stack's configuration does not let clients do this (whoever they are)."""

    status = 403
    title = "Forbidden"


class NotFoundError(PlugstackError):
    status = 404
    title = "Not Found"


class ConflictError(PlugstackError):
    status = 409
    title = "Conflict"


class PayloadTooLargeError(PlugstackError):
    status = 413
    title = "Payload Too Large"


class QuotaExceededError(PlugstackError):
    status = 429
    title = "Too Many Requests"

    def __init__(self, detail: str, retry_after_s: int = 1) -> None:
        super().__init__(detail)
        self.headers["Retry-After"] = str(retry_after_s)


class ProviderFailedError(PlugstackError):
    """The provider (or the backend behind it) answered with an error."""

    status = 502
    title = "Bad Gateway"


class ProviderUnavailableError(PlugstackError):
    """The provider is down: it failed to start, or its backend cannot be reached."""

    status = 503
    title = "Service Unavailable"


def not_found(kind: str, identifier: str, available: list[str]) -> NotFoundError:
    """A 404 whose detail lists what does exist, so the caller can correct the typo."""
    listed = ", ".join(sorted(available)) if available else "none"
    return NotFoundError(f"{kind} {identifier!r} not found; available: {listed}")
