"""Routes files calls to the stack's files provider."""

from plugstack.apis.files.models import (
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


class FilesRouter:
    """Implements `Files` over the first files provider in run.yaml, which stores every file.

    File ids name no provider, so one store keeps ids, listings and cursors unambiguous.
    """

    def __init__(self, handles: list[ProviderHandle]) -> None:
        self._handle = handles[0]  # the config checks give every listed API a provider

    def _provider(self) -> Files:
        return self._handle.require()

    async def upload_file(self, request: UploadFileRequest) -> File:
        return await self._provider().upload_file(request)

    async def list_files(self, request: ListFilesParams) -> ListFilesResponse:
        return await self._provider().list_files(request)

    async def retrieve_file(self, request: FileRequest) -> File:
        return await self._provider().retrieve_file(request)

    async def delete_file(self, request: FileRequest) -> DeleteFileResponse:
        return await self._provider().delete_file(request)

    async def file_content(self, request: FileRequest) -> FileContent:
        return await self._provider().file_content(request)
