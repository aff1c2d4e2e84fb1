"""What a files provider implements. The router implements it too.

A provider gives every file an id from `plugstack.apis.files.listing.new_file_id` and pages with
`plugstack.apis.files.listing.page`, so ids and cursors mean the same whichever provider stores
the files. A file past its ``expires_at`` answers 404 like a deleted one, and its bytes go.
"""

from typing import Protocol

from plugstack.apis.files.models import (
    DeleteFileResponse,
    File,
    FileContent,
    FileRequest,
    ListFilesParams,
    ListFilesResponse,
    UploadFileRequest,
)


class Files(Protocol):
    async def upload_file(self, request: UploadFileRequest) -> File: ...

    async def list_files(self, request: ListFilesParams) -> ListFilesResponse: ...

    async def retrieve_file(self, request: FileRequest) -> File: ...

    async def delete_file(self, request: FileRequest) -> DeleteFileResponse: ...

    async def file_content(self, request: FileRequest) -> FileContent: ...
