"""One async client for OpenAI-compatible servers (vLLM, llama.cpp's server, TGI, ...).

Every remote inference adapter talks to its backend through this client, so connection
pooling, retries, TLS, auth and the mapping of backend failures onto plugstack's errors
exist once. Requests are our own pydantic models (``plugstack.apis.inference.models``);
they are serialised straight to JSON bytes, and responses and stream chunks are validated
straight from the bytes received, with no intermediate dicts on the hot path.

Backend failures map to plugstack errors: unreachable → 503, a 4xx → 400 carrying the
backend's own message (401/403 → 502: our credentials are wrong, not the caller's request;
429 → 429), a 503 → 503, any other failure → 502.
"""

import asyncio
import json
import logging
import ssl
from collections.abc import AsyncIterator
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from plugstack.errors import (
    BadRequestError,
    PlugstackError,
    ProviderFailedError,
    ProviderUnavailableError,
    QuotaExceededError,
)

log = logging.getLogger(__name__)

Model = TypeVar("Model", bound=BaseModel)

_RETRYABLE_TRANSPORT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError, httpx.PoolTimeout)
_JSON = {"Content-Type": "application/json"}
_SSE = {"Content-Type": "application/json", "Accept": "text/event-stream"}
_MESSAGE_LIMIT = 1000


class RemoteEndpointConfig(BaseModel):
    """Where an OpenAI-compatible server is and how to talk to it (a remote provider's config)."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        description="base URL of the server's OpenAI API, e.g. http://localhost:8000/v1 "
        "(`/v1` is appended when the path does not already end with it)"
    )
    api_token: SecretStr | None = Field(default=None, description="sent as 'Authorization: Bearer <token>'")
    tls_verify: bool | str = Field(default=True, description="verify TLS certificates; or the path of a CA bundle")
    connect_timeout_s: float = Field(default=5.0, gt=0, description="seconds to open a connection")
    request_timeout_s: float = Field(
        default=600.0, gt=0, description="seconds to wait for the backend's next bytes (long generations)"
    )
    max_retries: int = Field(
        default=2, ge=0, le=10, description="retries after a connection failure or a 5xx (streams: connection only)"
    )
    retry_backoff_s: float = Field(default=0.25, ge=0, description="first retry delay; doubles on each retry")
    max_connections: int = Field(default=256, ge=1, description="size of the connection pool to the backend")


def api_base(url: str) -> str:
    """The OpenAI API root of ``url``: `/v1` appended unless the path already ends with it."""
    base = url.rstrip("/")
    return base if base.endswith("/v1") else f"{base}/v1"


def _ssl_context(verify: bool | str) -> bool | ssl.SSLContext:
    return ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify


def backend_message(body: bytes) -> str:
    """The human part of a backend's error body: OpenAI's ``error.message``, FastAPI's
    ``detail``, a bare ``message``, or the raw text."""
    text = body.decode(errors="replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return text[:_MESSAGE_LIMIT] or "(empty body)"
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])[:_MESSAGE_LIMIT]
        for key in ("detail", "message", "error"):
            if data.get(key):
                value = data[key]
                return (value if isinstance(value, str) else json.dumps(value))[:_MESSAGE_LIMIT]
    return text[:_MESSAGE_LIMIT]


class OpenAIClient:
    """An OpenAI-compatible backend: pooled connections, retries, errors mapped once.

    ``name`` (e.g. "vLLM server") appears in every error message, so an operator reading a
    503 knows which backend is meant.
    """

    def __init__(self, config: RemoteEndpointConfig, name: str, transport: httpx.AsyncBaseTransport | None = None):
        self.config = config
        self.name = name
        self.base_url = api_base(config.url)
        headers = {"Authorization": f"Bearer {config.api_token.get_secret_value()}"} if config.api_token else {}
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers=headers,
            verify=_ssl_context(config.tls_verify),
            timeout=httpx.Timeout(config.request_timeout_s, connect=config.connect_timeout_s),
            limits=httpx.Limits(
                max_connections=config.max_connections, max_keepalive_connections=config.max_connections
            ),
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- errors ---------------------------------------------------------------------------

    def _status_error(self, status: int, body: bytes) -> PlugstackError:
        message = backend_message(body)
        if status in (401, 403):
            return ProviderFailedError(f"{self.name} at {self.base_url} refused our credentials ({status}): {message}")
        if status == 429:
            return QuotaExceededError(f"{self.name} is over capacity: {message}")
        if 400 <= status < 500:
            return BadRequestError(f"{self.name} rejected the request ({status}): {message}")
        if status == 503:
            return ProviderUnavailableError(f"{self.name} at {self.base_url} is unavailable (503): {message}")
        return ProviderFailedError(f"{self.name} failed ({status}): {message}")

    def _transport_error(self, exc: httpx.TransportError) -> PlugstackError:
        reason = str(exc) or type(exc).__name__
        if isinstance(exc, _RETRYABLE_TRANSPORT):
            return ProviderUnavailableError(f"{self.name} at {self.base_url} is unreachable: {reason}")
        if isinstance(exc, httpx.TimeoutException):
            return ProviderFailedError(f"{self.name} did not answer in time ({type(exc).__name__}): {reason}")
        return ProviderFailedError(f"{self.name} connection failed ({type(exc).__name__}): {reason}")

    # -- sending --------------------------------------------------------------------------

    async def _send(self, request: httpx.Request, *, stream: bool, retries: int) -> httpx.Response:
        """Send with retries: on connection failures always (nothing reached the backend),
        on 5xx only when the response is not a stream. Non-2xx answers raise mapped errors."""
        attempt = 0
        while True:
            try:
                response = await self._http.send(request, stream=stream)
            except httpx.TransportError as exc:
                if attempt < retries and isinstance(exc, _RETRYABLE_TRANSPORT):
                    await self._backoff(attempt, exc)
                    attempt += 1
                    continue
                raise self._transport_error(exc) from exc
            if response.status_code < 400:
                return response
            body = await response.aread()
            await response.aclose()
            if response.status_code >= 500 and not stream and attempt < retries:
                await self._backoff(attempt, f"status {response.status_code}")
                attempt += 1
                continue
            raise self._status_error(response.status_code, body)

    async def _backoff(self, attempt: int, reason: object) -> None:
        delay = self.config.retry_backoff_s * (2**attempt)
        log.info("%s: retry %d in %.2f s after %s", self.name, attempt + 1, delay, reason)
        await asyncio.sleep(delay)

    def _request(self, method: str, path: str, body: BaseModel | None, headers: dict[str, str]) -> httpx.Request:
        content = body.model_dump_json(exclude_unset=True, exclude_none=True).encode() if body is not None else None
        return self._http.build_request(method, path, content=content, headers=headers)

    async def post(self, path: str, body: BaseModel, response_model: type[Model]) -> Model:
        """POST ``body`` and validate the JSON answer as ``response_model``."""
        request = self._request("POST", path, body, _JSON)
        response = await self._send(request, stream=False, retries=self.config.max_retries)
        return self._parse(response.content, response_model)

    async def get_json(self, path: str, timeout_s: float | None = None, retries: int | None = None) -> Any:
        request = self._http.build_request("GET", path, timeout=timeout_s or httpx.USE_CLIENT_DEFAULT)
        response = await self._send(
            request, stream=False, retries=self.config.max_retries if retries is None else retries
        )
        try:
            return response.json()
        except ValueError as exc:
            raise ProviderFailedError(f"{self.name} answered {path} with invalid JSON: {exc}") from exc

    async def stream(self, path: str, body: BaseModel, chunk_model: type[Model]) -> AsyncIterator[Model]:
        """POST a streamed request. The response head is awaited here, so a refused request
        raises now (an ordinary HTTP error to our caller); the chunks follow lazily."""
        request = self._request("POST", path, body, _SSE)
        response = await self._send(request, stream=True, retries=self.config.max_retries)
        return self._chunks(response, chunk_model)

    async def _chunks(self, response: httpx.Response, chunk_model: type[Model]) -> AsyncIterator[Model]:
        """Each SSE ``data:`` line validated as ``chunk_model``; ``[DONE]`` ends the stream and
        an error event from the backend becomes a mapped exception (our own final error event)."""
        try:
            async for line in response.aiter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    return
                try:
                    yield chunk_model.model_validate_json(data)
                except ValidationError as exc:
                    raise self._bad_event(data, exc) from None
        except httpx.TransportError as exc:
            raise ProviderFailedError(f"{self.name} stream broke off: {self._transport_error(exc).detail}") from exc
        finally:
            await response.aclose()

    def _bad_event(self, data: str, exc: ValidationError) -> PlugstackError:
        try:
            event = json.loads(data)
        except ValueError:
            event = None
        if isinstance(event, dict) and "error" in event:
            error = event["error"]
            status = error.get("code") if isinstance(error, dict) else None
            message = backend_message(data.encode())
            if isinstance(status, int) and 400 <= status < 500:
                return BadRequestError(f"{self.name} rejected the request mid-stream ({status}): {message}")
            return ProviderFailedError(f"{self.name} failed mid-stream: {message}")
        return ProviderFailedError(f"{self.name} sent a chunk this API cannot read: {exc.errors()[0]['msg']}")

    def _parse(self, content: bytes, model: type[Model]) -> Model:
        try:
            return model.model_validate_json(content)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ProviderFailedError(
                f"{self.name} answered with a {model.__name__} this API cannot read: {where}: {first['msg']}"
            ) from None

    # -- discovery and health ------------------------------------------------------------

    async def list_models(self, timeout_s: float | None = None, retries: int | None = 0) -> list[dict[str, Any]]:
        """The backend's ``GET /models`` entries (``id``, ``owned_by``, engine extras)."""
        payload = await self.get_json("/models", timeout_s=timeout_s, retries=retries)
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, list):
            raise ProviderFailedError(f"{self.name} answered /models without a `data` list")
        return [entry for entry in data if isinstance(entry, dict) and isinstance(entry.get("id"), str)]

    async def health(self, timeout_s: float = 1.5) -> dict[str, Any]:
        """OK when the backend lists its models within ``timeout_s``; otherwise why not."""
        try:
            models = await self.list_models(timeout_s=timeout_s, retries=0)
        except PlugstackError as exc:
            return {"status": "Error", "message": exc.detail}
        return {"status": "OK", "message": f"{self.name} at {self.base_url} serves {len(models)} model(s)"}
