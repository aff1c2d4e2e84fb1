"""Routes files calls to the stack's files provider."""

from plugstack.access import ownership
from plugstack.access.principal import current_caller
from plugstack.apis.files.listing import page
from plugstack.apis.files.models import (
    MAX_LIST_LIMIT,
    DeleteFileResponse,
    File,
    FileContent,
    FileRequest,
    ListFilesParams,
    ListFilesResponse,
    UploadFileRequest,
)
from plugstack.apis.files.protocol import Files
from plugstack.registry.handles import ProviderHandle

KIND = "file"


class FilesRouter:
    """Implements `Files` over the first files provider in run.yaml, which stores every file.

    File ids name no provider, so one store keeps ids, listings and cursors unambiguous.
    With auth on, each file is its uploader's (`plugstack.access.ownership`).
    """

    def __init__(self, handles: list[ProviderHandle]) -> None:
        self._handle = handles[0]  # the config checks give every listed API a provider

    def _provider(self) -> Files:
        return self._handle.require()

    async def upload_file(self, request: UploadFileRequest) -> File:
        await ownership.check_create(KIND)
        file = await self._provider().upload_file(request)
        await ownership.record_created(KIND, file.id)
        return file

    async def list_files(self, request: ListFilesParams) -> ListFilesResponse:
        if current_caller() is None:
            return await self._provider().list_files(request)
        everything = await self._provider().list_files(ListFilesParams(limit=MAX_LIST_LIMIT, purpose=request.purpose))
        return page(await ownership.readable(KIND, everything.data, lambda file: file.id), request)

    async def retrieve_file(self, request: FileRequest) -> File:
        await ownership.require(KIND, request.file_id, "read")
        return await self._provider().retrieve_file(request)

    async def delete_file(self, request: FileRequest) -> DeleteFileResponse:
        await ownership.require(KIND, request.file_id, "delete", lambda: self._provider().retrieve_file(request))
        deleted = await self._provider().delete_file(request)
        await ownership.forget(KIND, request.file_id)
        return deleted

    async def file_content(self, request: FileRequest) -> FileContent:
        await ownership.require(KIND, request.file_id, "read")
        return await self._provider().file_content(request)
