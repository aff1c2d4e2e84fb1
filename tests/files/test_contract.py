"""The routes, the OpenAPI document and the File shape against what the published clients expect."""

from typing import Any

import httpx
from llama_stack_client.types import File as ClientFile
from openai.types import FileObject

from plugstack.apis.files.models import File
from plugstack.config.load import load_run_config
from plugstack.plugins import get_catalog
from tests.support.server import RunningServer

ROUTES = {
    ("/v1/files", "POST"),
    ("/v1/files", "GET"),
    ("/v1/files/{file_id}", "GET"),
    ("/v1/files/{file_id}", "DELETE"),
    ("/v1/files/{file_id}/content", "GET"),
}


def _fields(model: type[Any]) -> set[str]:
    return set(model.model_fields)


def test_routes_are_listed_with_their_provider(server: RunningServer) -> None:
    routes = httpx.get(f"{server.base_url}/v1/inspect/routes").json()["data"]
    served = {(r["route"], r["method"]): r["provider_types"] for r in routes if r["route"].startswith("/v1/files")}
    assert set(served) == ROUTES
    assert all(types == ["inline::localfs"] for types in served.values())


def test_openapi_documents_the_multipart_upload(server: RunningServer) -> None:
    paths = httpx.get(f"{server.base_url}/openapi.json").json()["paths"]
    documented = {(path, method.upper()) for path in paths if path.startswith("/v1/files") for method in paths[path]}
    assert documented == ROUTES
    upload = paths["/v1/files"]["post"]["requestBody"]["content"]
    assert set(upload) == {"multipart/form-data"}
    listing = {p["name"] for p in paths["/v1/files"]["get"]["parameters"]}
    assert listing == {"after", "limit", "order", "purpose"}
    assert "application/octet-stream" in paths["/v1/files/{file_id}/content"]["get"]["responses"]["200"]["content"]


def test_file_has_the_clients_fields() -> None:
    assert _fields(File) == _fields(ClientFile)
    assert _fields(File) <= _fields(FileObject)


def test_starter_serves_files() -> None:
    loaded = load_run_config("starter", get_catalog())
    assert [entry.provider_type for entry in loaded.config.providers["files"]] == ["inline::localfs"]
