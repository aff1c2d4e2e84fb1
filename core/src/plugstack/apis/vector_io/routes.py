"""HTTP routes of /v1/vector_stores (OpenAI-compatible) and /v1/vector-io (Llama Stack's)."""

from typing import Annotated

from fastapi import APIRouter, Query

from plugstack.apis.vector_io.models import (
    AttachFileRequest,
    CreateFileBatchRequest,
    CreateVectorStoreRequest,
    InsertChunksRequest,
    ListFilesParams,
    ListParams,
    ListVectorStoreFilesResponse,
    ListVectorStoresResponse,
    QueryChunksRequest,
    QueryChunksResponse,
    SearchVectorStoreBody,
    SearchVectorStoreResponse,
    UpdateFileRequest,
    UpdateVectorStoreRequest,
    VectorStore,
    VectorStoreDeleted,
    VectorStoreFile,
    VectorStoreFileBatch,
    VectorStoreFileContent,
    VectorStoreFileDeleted,
)
from plugstack.apis.vector_io.protocol import VectorIO


def create_router(impl: VectorIO) -> APIRouter:
    router = APIRouter()
    stores = APIRouter(prefix="/v1/vector_stores", tags=["vector_stores"])

    @stores.post("", response_model=VectorStore, summary="Create a vector store, attaching file_ids")
    async def create_vector_store(body: CreateVectorStoreRequest) -> VectorStore:
        return await impl.create_vector_store(body)

    @stores.get("", response_model=ListVectorStoresResponse, summary="List vector stores, a page at a time")
    async def list_vector_stores(params: Annotated[ListParams, Query()]) -> ListVectorStoresResponse:
        return await impl.list_vector_stores(params)

    @stores.get("/{vector_store_id}", response_model=VectorStore, summary="A vector store")
    async def retrieve_vector_store(vector_store_id: str) -> VectorStore:
        return await impl.retrieve_vector_store(vector_store_id)

    @stores.post("/{vector_store_id}", response_model=VectorStore, summary="Rename, re-tag or re-expire a store")
    async def update_vector_store(vector_store_id: str, body: UpdateVectorStoreRequest) -> VectorStore:
        return await impl.update_vector_store(vector_store_id, body)

    @stores.delete("/{vector_store_id}", response_model=VectorStoreDeleted, summary="Delete a store and its chunks")
    async def delete_vector_store(vector_store_id: str) -> VectorStoreDeleted:
        return await impl.delete_vector_store(vector_store_id)

    @stores.post(
        "/{vector_store_id}/search", response_model=SearchVectorStoreResponse, summary="Search a store's chunks"
    )
    async def search_vector_store(vector_store_id: str, body: SearchVectorStoreBody) -> SearchVectorStoreResponse:
        return await impl.search_vector_store(vector_store_id, body)

    @stores.post(
        "/{vector_store_id}/files", response_model=VectorStoreFile, summary="Attach a file (processed in background)"
    )
    async def attach_file(vector_store_id: str, body: AttachFileRequest) -> VectorStoreFile:
        return await impl.attach_file(vector_store_id, body)

    @stores.get("/{vector_store_id}/files", response_model=ListVectorStoreFilesResponse, summary="A store's files")
    async def list_files(
        vector_store_id: str, params: Annotated[ListFilesParams, Query()]
    ) -> ListVectorStoreFilesResponse:
        return await impl.list_files(vector_store_id, params)

    @stores.get("/{vector_store_id}/files/{file_id}", response_model=VectorStoreFile, summary="An attached file")
    async def retrieve_file(vector_store_id: str, file_id: str) -> VectorStoreFile:
        return await impl.retrieve_file(vector_store_id, file_id)

    @stores.post(
        "/{vector_store_id}/files/{file_id}", response_model=VectorStoreFile, summary="Replace a file's attributes"
    )
    async def update_file(vector_store_id: str, file_id: str, body: UpdateFileRequest) -> VectorStoreFile:
        return await impl.update_file(vector_store_id, file_id, body)

    @stores.delete("/{vector_store_id}/files/{file_id}", response_model=VectorStoreFileDeleted, summary="Detach a file")
    async def delete_file(vector_store_id: str, file_id: str) -> VectorStoreFileDeleted:
        return await impl.delete_file(vector_store_id, file_id)

    @stores.get(
        "/{vector_store_id}/files/{file_id}/content",
        response_model=VectorStoreFileContent,
        summary="An attached file's chunks of text",
    )
    async def file_content(vector_store_id: str, file_id: str) -> VectorStoreFileContent:
        return await impl.file_content(vector_store_id, file_id)

    @stores.post("/{vector_store_id}/file_batches", response_model=VectorStoreFileBatch, summary="Attach several files")
    async def create_file_batch(vector_store_id: str, body: CreateFileBatchRequest) -> VectorStoreFileBatch:
        return await impl.create_file_batch(vector_store_id, body)

    @stores.get(
        "/{vector_store_id}/file_batches/{batch_id}", response_model=VectorStoreFileBatch, summary="A file batch"
    )
    async def retrieve_file_batch(vector_store_id: str, batch_id: str) -> VectorStoreFileBatch:
        return await impl.retrieve_file_batch(vector_store_id, batch_id)

    @stores.post(
        "/{vector_store_id}/file_batches/{batch_id}/cancel",
        response_model=VectorStoreFileBatch,
        summary="Stop processing a batch's files",
    )
    async def cancel_file_batch(vector_store_id: str, batch_id: str) -> VectorStoreFileBatch:
        return await impl.cancel_file_batch(vector_store_id, batch_id)

    @stores.get(
        "/{vector_store_id}/file_batches/{batch_id}/files",
        response_model=ListVectorStoreFilesResponse,
        summary="A batch's files",
    )
    async def list_file_batch_files(
        vector_store_id: str, batch_id: str, params: Annotated[ListFilesParams, Query()]
    ) -> ListVectorStoreFilesResponse:
        return await impl.list_file_batch_files(vector_store_id, batch_id, params)

    @router.post("/v1/vector-io/insert", response_model=None, tags=["vector_io"], summary="Insert chunks into a store")
    async def insert_chunks(body: InsertChunksRequest) -> None:
        await impl.insert_chunks(body)

    @router.post(
        "/v1/vector-io/query", response_model=QueryChunksResponse, tags=["vector_io"], summary="Query a store's chunks"
    )
    async def query_chunks(body: QueryChunksRequest) -> QueryChunksResponse:
        return await impl.query_chunks(body)

    router.include_router(stores)
    return router
