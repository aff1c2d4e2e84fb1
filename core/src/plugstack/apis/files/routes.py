"""HTTP routes of /v1/files: one route per Protocol method, one request model each.

Uploads are multipart forms. Starlette spools the file part to a temporary file past 1 MiB,
and the provider reads it from there in chunks, so no upload is ever held whole in memory.
"""

from collections.abc import AsyncIterator
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, UploadFile
from fastapi import File as FormFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from pydantic import ValidationError

from plugstack.apis.files.models import (
    DeleteFileResponse,
    File,
    FilePurpose,
    FileRequest,
    ListFilesParams,
    ListFilesResponse,
    UploadFileRequest,
)
from plugstack.apis.files.protocol import Files

CHUNK_BYTES = 1 << 20
EXPIRES_AFTER_HELP = 'JSON {"anchor": "created_at", "seconds": 3600..2592000}, or the two bracketed fields'


async def _chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK_BYTES):
        yield chunk


def _upload_request(
    upload: UploadFile, purpose: str, expires_after: str | None, anchor: str | None, seconds: str | None
) -> UploadFileRequest:
    """The request from the form; its errors are the form's, so they answer 400 like FastAPI's own."""
    bracketed = {key: value for key, value in (("anchor", anchor), ("seconds", seconds)) if value is not None}
    try:
        return UploadFileRequest(
            filename=upload.filename or "",
            purpose=purpose,
            expires_after=expires_after if expires_after is not None else bracketed or None,
            content=_chunks(upload),
        )
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None


def content_disposition(filename: str) -> str:
    """An attachment header; a name that is not plain ASCII goes in RFC 5987's ``filename*``."""
    quoted = quote(filename)
    return f"attachment; filename*=utf-8''{quoted}" if quoted != filename else f'attachment; filename="{filename}"'


def create_router(impl: Files) -> APIRouter:
    router = APIRouter(prefix="/v1/files", tags=["files"])

    @router.post("", response_model=File, summary="Upload a file (multipart/form-data)")
    async def upload_file(
        file: Annotated[UploadFile, FormFile(description="the content; its file name is kept")],
        purpose: Annotated[FilePurpose, Form(description="what the file is for")],
        expires_after: Annotated[str | None, Form(description=EXPIRES_AFTER_HELP)] = None,
        expires_after_anchor: Annotated[str | None, Form(alias="expires_after[anchor]")] = None,
        expires_after_seconds: Annotated[str | None, Form(alias="expires_after[seconds]")] = None,
    ) -> File:
        request = _upload_request(file, purpose, expires_after, expires_after_anchor, expires_after_seconds)
        return await impl.upload_file(request)

    @router.get("", response_model=ListFilesResponse, summary="List files, a page at a time")
    async def list_files(params: Annotated[ListFilesParams, Query()]) -> ListFilesResponse:
        return await impl.list_files(params)

    @router.get("/{file_id}", response_model=File, summary="A file's metadata")
    async def retrieve_file(file_id: str) -> File:
        return await impl.retrieve_file(FileRequest(file_id=file_id))

    @router.delete("/{file_id}", response_model=DeleteFileResponse, summary="Delete a file and its content")
    async def delete_file(file_id: str) -> DeleteFileResponse:
        return await impl.delete_file(FileRequest(file_id=file_id))

    @router.get(
        "/{file_id}/content",
        response_class=StreamingResponse,
        responses={200: {"content": {"application/octet-stream": {}}, "description": "the file's bytes"}},
        summary="A file's content, as an attachment under its file name",
    )
    async def file_content(file_id: str) -> StreamingResponse:
        content = await impl.file_content(FileRequest(file_id=file_id))
        headers = {
            "Content-Disposition": content_disposition(content.file.filename),
            "Content-Length": str(content.file.bytes),
        }
        return StreamingResponse(content.chunks, media_type="application/octet-stream", headers=headers)

    return router
