"""One async client for OpenAI-compatible servers (vLLM, llama.cpp's server, TGI, ...).

Every remote inference adapter talks to its backend through this client, so connection
pooling, retries, TLS, auth and the mapping of backend failures onto plugstack's errors
exist once. It runs on the lean HTTP/1.1 client of `plugstack.remote.http1`: the backend hop is
paid by every proxied request, and there it costs a fraction of aiohttp's CPU, itself a third of
httpx's (bench/bench_gateway.py measures all three). Two levels:
``post_raw``/``stream_raw`` hand back the backend's bytes (the HTTP routes relay them as they
came), ``post``/``stream`` validate them as our models (for in-process callers: agents, eval).

Backend failures map to plugstack errors: unreachable → 503, a 4xx → 400 carrying the
backend's own message (401/403 → 502: our credentials are wrong, not the caller's request;
429 → 429), a 503 → 503, a redirect (not followed: the configured URL is wrong) → 502 naming
where it points, any other failure → 502.
"""

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from plugstack.errors import (
    BadRequestError,
    PlugstackError,
    ProviderFailedError,
    ProviderUnavailableError,
    QuotaExceededError,
)
from plugstack.remote.balancer import Balancer
from plugstack.remote.config import RemoteEndpointConfig
from plugstack.remote.http1 import ConnectError, DisconnectedError, Http1Client, HttpError, Response

log = logging.getLogger(__name__)

Model = TypeVar("Model", bound=BaseModel)

# Failures where the request cannot have reached the backend's engine: safe to send again.
_RETRYABLE = (ConnectError, DisconnectedError)
_JSON = {"Content-Type": "application/json"}
_SSE = {"Content-Type": "application/json", "Accept": "text/event-stream"}
_MESSAGE_LIMIT = 1000
DONE = b"[DONE]"


def api_base(url: str) -> str:
    """The OpenAI API root of ``url``: `/v1` appended unless the path already ends with it."""
    base = url.rstrip("/")
    return base if base.endswith("/v1") else f"{base}/v1"


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


def _is_error_event(payload: bytes) -> bool:
    return payload.lstrip(b"{ \t").startswith(b'"error"')


class OpenAIClient:
    """An OpenAI-compatible backend: pooled keep-alive connections, retries, errors mapped once.

    ``name`` (e.g. "vLLM server") appears in every error message, so an operator reading a
    503 knows which backend is meant.
    """

    def __init__(self, config: RemoteEndpointConfig, name: str) -> None:
        self.config = config
        self.name = name
        self.base_url = api_base(config.url)
        # identity: the relay forwards the backend's bytes as they came
        headers = {"Accept-Encoding": "identity"}
        if config.api_token:
            headers["Authorization"] = f"Bearer {config.api_token.get_secret_value()}"
        self._http = Http1Client(
            headers,
            max_connections=config.max_connections,
            connect_timeout_s=config.connect_timeout_s,
            read_timeout_s=config.request_timeout_s,
            tls_verify=config.tls_verify,
        )
        self.backends = Balancer(
            [api_base(url) for url in config.backend_urls()],
            name,
            self._http,
            config.backend_retry_s,
            config.connect_timeout_s,
        )  # several `urls`: each request to the replica with the fewest in flight (balancer.py)

    async def aclose(self) -> None:
        await self.backends.aclose()
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

    def _redirect_error(self, response: Response) -> PlugstackError:
        location = (response.header(b"location") or b"nowhere").decode("latin-1")
        return ProviderFailedError(
            f"{self.name} at {self.base_url} redirects ({response.status}) to {location}: "
            "set the provider's url to where it points"
        )

    def _transport_error(self, exc: BaseException) -> PlugstackError:
        reason = str(exc) or type(exc).__name__
        if isinstance(exc, _RETRYABLE):
            return ProviderUnavailableError(f"{self.name} at {self.base_url} is unreachable: {reason}")
        if isinstance(exc, TimeoutError):
            return ProviderFailedError(f"{self.name} did not answer in time ({type(exc).__name__}): {reason}")
        return ProviderFailedError(f"{self.name} connection failed ({type(exc).__name__}): {reason}")

    def _event_error(self, payload: bytes) -> PlugstackError:
        """An error event a backend sent mid-stream, as our exception (a final error event)."""
        try:
            error = json.loads(payload).get("error")
        except (ValueError, AttributeError):
            error = None
        status = error.get("code") if isinstance(error, dict) else None
        message = backend_message(payload)
        if isinstance(status, int) and 400 <= status < 500:
            return BadRequestError(f"{self.name} rejected the request mid-stream ({status}): {message}")
        return ProviderFailedError(f"{self.name} failed mid-stream: {message}")

    # -- sending --------------------------------------------------------------------------

    async def _send(
        self,
        method: str,
        path: str,
        content: bytes | None,
        headers: dict[str, str] | None,
        *,
        stream: bool,
        retries: int,
        timeout_s: float | None = None,
    ) -> Response:
        """Send with retries: on connection failures always (nothing reached the backend),
        on 5xx only when the response is not a stream. Non-2xx answers raise mapped errors;
        the caller reads (and so releases) a 2xx response."""
        attempt = 0
        while True:
            backend = self.backends.pick()
            url = backend.base_url + path
            try:
                response = await self.backends.send(
                    backend, self._http.request(method, url, content, headers, timeout_s)
                )
            except HttpError as exc:
                if self.backends.fail_over(exc):
                    continue  # that replica is down and another is up: nothing was sent, send it there
                if attempt < retries and isinstance(exc, _RETRYABLE):
                    await self._backoff(attempt, exc)
                    attempt += 1
                    continue
                raise self._transport_error(exc) from exc
            if response.status < 300:
                return response
            body = await self._read(response)
            if response.status < 400:  # redirects are not followed: the configured URL is wrong
                raise self._redirect_error(response)
            if response.status >= 500 and not stream and attempt < retries:
                await self._backoff(attempt, f"status {response.status}")
                attempt += 1
                continue
            raise self._status_error(response.status, body)

    async def _read(self, response: Response) -> bytes:
        try:
            return await response.read()
        except HttpError as exc:
            raise self._transport_error(exc) from exc
        finally:
            self.backends.done(response)

    async def _backoff(self, attempt: int, reason: object) -> None:
        delay = self.config.retry_backoff_s * (2**attempt)
        log.info("%s: retry %d in %.2f s after %s", self.name, attempt + 1, delay, reason)
        await asyncio.sleep(delay)

    async def post_raw(self, path: str, content: bytes) -> bytes:
        """POST a JSON body; the backend's JSON answer as it came."""
        response = await self._send("POST", path, content, _JSON, stream=False, retries=self.config.max_retries)
        return await self._read(response)

    async def stream_raw(self, path: str, content: bytes) -> AsyncIterator[bytes]:
        """POST a streamed request. The response head is awaited here, so a refused request
        raises now (an ordinary HTTP error to our caller); the events' ``data`` payloads
        follow lazily, up to ``[DONE]`` (not included); an error event raises."""
        response = await self._send("POST", path, content, _SSE, stream=True, retries=self.config.max_retries)
        return self._payloads(response)

    async def _payloads(self, response: Response) -> AsyncIterator[bytes]:
        ended = False
        try:
            async for line in response.lines():
                if not line.startswith(b"data:"):
                    continue
                payload = line[5:].strip()
                if payload == DONE:
                    ended = True
                    return
                if _is_error_event(payload):
                    raise self._event_error(payload)
                yield payload
        except HttpError as exc:
            raise ProviderFailedError(f"{self.name} stream broke off: {self._transport_error(exc).detail}") from exc
        finally:
            if ended:  # what may follow [DONE] is the end of the body: the connection is reused
                response.release()
            else:  # the client went away, or the stream failed: closing tells the backend to stop
                response.close()
            self.backends.done(response)

    async def post(self, path: str, body: BaseModel, response_model: type[Model]) -> Model:
        """POST ``body`` and validate the JSON answer as ``response_model``."""
        return self._parse(await self.post_raw(path, encode(body)), response_model)

    async def stream(self, path: str, body: BaseModel, chunk_model: type[Model]) -> AsyncIterator[Model]:
        """`stream_raw` with each event validated as ``chunk_model``."""
        return self._chunks(await self.stream_raw(path, encode(body)), chunk_model)

    async def _chunks(self, payloads: AsyncIterator[bytes], chunk_model: type[Model]) -> AsyncIterator[Model]:
        async with aclosing(payloads):  # type: ignore[type-var]
            async for payload in payloads:
                try:
                    yield chunk_model.model_validate_json(payload)
                except ValidationError as exc:
                    raise ProviderFailedError(
                        f"{self.name} sent a chunk this API cannot read: {exc.errors()[0]['msg']}"
                    ) from None

    def _parse(self, content: bytes, model: type[Model]) -> Model:
        try:
            return model.model_validate_json(content)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ProviderFailedError(
                f"{self.name} answered with a {model.__name__} this API cannot read: {where}: {first['msg']}"
            ) from None

    async def get_json(self, path: str, timeout_s: float | None = None, retries: int | None = None) -> Any:
        retries = self.config.max_retries if retries is None else retries
        response = await self._send("GET", path, None, None, stream=False, retries=retries, timeout_s=timeout_s)
        content = await self._read(response)
        try:
            return json.loads(content)
        except ValueError as exc:
            raise ProviderFailedError(f"{self.name} answered {path} with invalid JSON: {exc}") from exc

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
        if self.backends.several:
            return await self.backends.health(timeout_s)
        try:
            models = await self.list_models(timeout_s=timeout_s, retries=0)
        except PlugstackError as exc:
            return {"status": "Error", "message": exc.detail}
        return {"status": "OK", "message": f"{self.name} at {self.base_url} serves {len(models)} model(s)"}


def encode(body: BaseModel) -> bytes:
    """A request model as the JSON the backend gets: only what the client set (and not null)."""
    return body.model_dump_json(exclude_unset=True, exclude_none=True).encode()
