"""Every error response carries the seed's `Error` body: {status, title, detail, instance}.

Exceptions nothing here handles become 500s in `server.failsafe`, outside the routes."""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from plugstack.errors import BadRequestError, ErrorBody, PlugstackError


def error_response(body: ErrorBody, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body.model_dump(exclude_none=True), status_code=body.status, headers=headers)


def _location(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def describe_validation(exc: RequestValidationError) -> str:
    problems = []
    for item in exc.errors():
        loc = tuple(p for p in item["loc"] if not (isinstance(p, str) and ("[" in p or p.startswith("function-"))))
        problems.append(f"{_location(loc)}: {item['msg']}")
    return "; ".join(problems) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PlugstackError)
    async def on_plugstack_error(request: Request, exc: PlugstackError) -> JSONResponse:
        return error_response(exc.body(instance=request.url.path), headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(BadRequestError(describe_validation(exc)).body(instance=request.url.path))

    @app.exception_handler(HTTPException)
    async def on_http_error(request: Request, exc: HTTPException) -> JSONResponse:
        title = {404: "Not Found", 405: "Method Not Allowed", 413: "Payload Too Large"}.get(exc.status_code, "Error")
        detail = str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no route {request.method} {request.url.path}; GET /v1/inspect/routes lists them"
        body = ErrorBody(status=exc.status_code, title=title, detail=detail, instance=request.url.path)
        return error_response(body, headers=getattr(exc, "headers", None))
