"""Request and response shapes of the files API, as the openai and llama-stack-client clients send and parse them."""

import json
from collections.abc import AsyncIterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

FilePurpose = Literal["assistants", "batch", "fine-tune", "vision", "user_data", "evals"]
# What the stack itself writes (a batch's output and error files); clients cannot upload it.
StoredFilePurpose = FilePurpose | Literal["batch_output"]
MAX_LIST_LIMIT = 10_000


class ExpiresAfter(BaseModel):
    """A lifetime counted from the upload (OpenAI's only anchor); the file is gone once it ends."""

    model_config = ConfigDict(extra="forbid")

    anchor: Literal["created_at"] = Field(description="what the lifetime counts from")
    seconds: int = Field(ge=3600, le=2_592_000, description="the lifetime: one hour to 30 days")


class File(BaseModel):
    """An uploaded file (OpenAI's FileObject; llama-stack-client's File)."""

    id: str = Field(description="'file-' and 32 hex digits, in creation order")
    object: Literal["file"] = "file"
    bytes: int = Field(ge=0, description="size of the content")
    created_at: int = Field(description="Unix time of the upload, in seconds")
    expires_at: int | None = Field(default=None, description="Unix time from which the file is gone; null: never")
    filename: str = Field(description="the name it was uploaded under")
    purpose: StoredFilePurpose


class UploadFileRequest(BaseModel):
    """An upload: the multipart form's fields, and its content as a stream of chunks."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    filename: str = Field(min_length=1, description="the uploaded part's file name")
    purpose: StoredFilePurpose
    expires_after: ExpiresAfter | None = Field(default=None, description="default: the file never expires")
    content: AsyncIterator[bytes] = Field(exclude=True, description="the bytes, in chunks; read once")

    @field_validator("expires_after", mode="before")
    @classmethod
    def _json_text(cls, value: Any) -> Any:
        """Some clients send the form field as JSON text rather than as bracketed fields."""
        return json.loads(value) if isinstance(value, str) else value


class ListFilesParams(BaseModel):
    """The query of GET /v1/files: cursor paging in creation order."""

    model_config = ConfigDict(extra="forbid")

    after: str | None = Field(default=None, description="a file id: the page starts after it (it may be deleted)")
    limit: int = Field(default=MAX_LIST_LIMIT, ge=1, le=MAX_LIST_LIMIT, description="files per page")
    order: Literal["asc", "desc"] = Field(default="desc", description="by creation time; newest first by default")
    purpose: StoredFilePurpose | None = Field(default=None, description="only files of this purpose")


class ListFilesResponse(BaseModel):
    object: Literal["list"] = "list"
    data: list[File]
    has_more: bool = Field(description="whether files follow this page (ask again with after=last_id)")
    first_id: str | None = Field(default=None, description="id of the page's first file")
    last_id: str | None = Field(default=None, description="id of the page's last file")


class FileRequest(BaseModel):
    file_id: str = Field(min_length=1)


class DeleteFileResponse(BaseModel):
    id: str
    object: Literal["file"] = "file"
    deleted: bool = True


class FileContent(BaseModel):
    """A file and its bytes, opened: the stream reads the content in chunks, never whole."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    file: File
    chunks: AsyncIterator[bytes] = Field(description="the content, in chunks; read once")
