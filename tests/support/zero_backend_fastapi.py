"""The zero-work backend's FastAPI flavour: the same reply bytes, served the way vLLM serves.

vLLM's OpenAI server (vllm/entrypoints/openai/api_server.py and launcher.py) is a FastAPI app
whose routes take a pydantic request model, on ``uvicorn.Server(uvicorn.Config(app, ...))``
run by ``uvloop.run``, with uvicorn's defaults otherwise: ``http="auto"`` (httptools, which
vLLM's ``fastapi[standard]`` brings), the access log on, keep-alive 5 s. Streams are a
``StreamingResponse`` over an async generator, one event per send. So this flavour costs per
request what a vLLM replica's HTTP server costs before any engine work, which is the "direct"
a gateway in front of a real replica is compared with. Only the engine and vLLM's much larger
request models are missing: a real replica is slower still.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
import uvloop
from fastapi import FastAPI, Response
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict

from tests.support.zero_backend import MODEL, MODELS, NOT_FOUND, reply, served_body

JSON = "application/json"


class ZeroRequest(BaseModel):
    """The fields the replies depend on; the rest of an OpenAI body is kept, unchecked."""

    model_config = ConfigDict(extra="allow")

    model: str = MODEL
    stream: bool | None = None
    stream_options: dict[str, Any] | None = None


async def _each(frames: list[bytes]) -> AsyncIterator[bytes]:
    for frame in frames:
        yield frame


def create_app(delay_s: float = 0.0, gzip: bool = False) -> FastAPI:
    app = FastAPI()
    if gzip:  # every reply a client accepts compressed, however small
        app.add_middleware(GZipMiddleware, minimum_size=1)
    served = 0

    async def answer(path: str, request: ZeroRequest) -> Response:
        nonlocal served
        served += 1
        if delay_s:
            await asyncio.sleep(delay_s)
        status, content = reply(path, request.model_dump())
        if isinstance(content, bytes):
            return Response(content, status_code=status, media_type=JSON)
        return StreamingResponse(_each(content), media_type="text/event-stream")

    @app.post("/v1/chat/completions")
    async def chat(request: ZeroRequest) -> Response:
        return await answer("/v1/chat/completions", request)

    @app.post("/v1/completions")
    async def completions(request: ZeroRequest) -> Response:
        return await answer("/v1/completions", request)

    @app.post("/v1/embeddings")
    async def embeddings(request: ZeroRequest) -> Response:
        return await answer("/v1/embeddings", request)

    @app.get("/v1/models")
    async def models() -> Response:
        return Response(MODELS, media_type=JSON)

    @app.get("/served")
    async def count() -> Response:
        return Response(served_body(served), media_type=JSON)

    @app.post("/{path:path}")
    async def other_post(path: str, request: ZeroRequest) -> Response:
        return await answer(f"/{path}", request)  # a 404, or the failing model's 400 first

    @app.api_route("/{path:path}", methods=["GET", "PUT", "PATCH", "DELETE"])
    async def not_found(path: str) -> Response:
        return Response(NOT_FOUND, status_code=404, media_type=JSON)

    return app


def run(port: int, delay_s: float = 0.0, gzip: bool = False) -> None:
    config = uvicorn.Config(create_app(delay_s, gzip), host="127.0.0.1", port=port, timeout_keep_alive=5)
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)  # no start-up lines; the access log stays on
    uvloop.run(uvicorn.Server(config).serve())
