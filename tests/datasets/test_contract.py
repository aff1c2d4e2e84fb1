"""Response shapes against the contract: the seed spec's schemas and llama-stack-client 0.3.5's types.

The seed is a flattened OpenAPI YAML (one line, indentation lost), so its schemas are read
with a small parser of that text: each schema's property names and its `required` list.
"""

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from llama_stack_client.types import dataset_iterrows_response, dataset_list_response, dataset_retrieve_response

from plugstack.apis.datasetio.models import (
    EXTENSION_PURPOSES,
    SEED_PURPOSES,
    Dataset,
    PaginatedResponse,
    RowsDataSource,
    URIDataSource,
)
from tests.support.server import RunningServer

SEED = next((Path(__file__).resolve().parents[3] / "shared" / "seeds").glob("002_*.txt"), None)
SCHEMA_NAME = re.compile(r"\s([A-Z]\w*): (?=properties:|type:|description:|oneOf:|anyOf:|enum:)")
PROPERTY = re.compile(r"(?:properties: |\s)([a-z_]+): (?=type:|anyOf:|\$ref:|oneOf:|items:|additionalProperties:)")


def seed_schemas() -> dict[str, str]:
    """Each component schema's text, from its name to the next schema's name."""
    assert SEED is not None, "seeds/002_*.txt not found beside the repository"
    text = SEED.read_text()
    text = text[text.index("components: schemas:") :]
    marks = list(SCHEMA_NAME.finditer(text))
    ends = [mark.start() for mark in marks[1:]] + [len(text)]
    return {mark.group(1): text[mark.end() : end] for mark, end in zip(marks, ends, strict=True)}


def seed_fields(body: str) -> tuple[set[str], set[str]]:
    """(property names, required names) of one schema's text; nested schemas are $refs, so top level only."""
    properties = body.split(" required: ")[0]
    required = re.match(r"((?:- [a-z_]+ ?)+)", body.split(" required: ")[1]) if " required: " in body else None
    names = set(PROPERTY.findall(properties)) - {"additionalProperties"}
    return names, set(re.findall(r"- ([a-z_]+)", required.group(1))) if required else set()


def model_fields(model: type[Any]) -> tuple[set[str], set[str]]:
    schema = model.model_json_schema(mode="serialization")
    return set(schema["properties"]), set(schema.get("required", []))


@pytest.fixture(scope="module")
def schemas() -> dict[str, str]:
    return seed_schemas()


@pytest.mark.parametrize(
    ("name", "model"), [("Dataset", Dataset), ("RowsDataSource", RowsDataSource), ("URIDataSource", URIDataSource)]
)
def test_models_have_the_seed_fields(schemas: dict[str, str], name: str, model: type[Any]) -> None:
    seed_names, seed_required = seed_fields(schemas[name])
    ours, _ = model_fields(model)
    assert seed_names, f"parsed no properties of {name}"
    assert seed_names <= ours, f"{name} lacks {seed_names - ours}"
    assert seed_required <= ours


def test_dataset_purposes_are_the_seed_enum_plus_documented_extensions(schemas: dict[str, str]) -> None:
    seed_enum = set(re.findall(r"- ([a-z-]+/[a-z-]+)", schemas["DatasetPurpose"].split("title:")[0]))
    ours = set(Dataset.model_json_schema()["properties"]["purpose"]["enum"])
    assert seed_enum == set(SEED_PURPOSES) == {"post-training/messages", "eval/question-answer", "eval/messages-answer"}
    assert ours == seed_enum | set(EXTENSION_PURPOSES)


def test_seed_parser_reads_required_lists(schemas: dict[str, str]) -> None:
    """Guards the parser itself: Dataset's required list as the seed writes it."""
    assert seed_fields(schemas["Dataset"])[1] == {"identifier", "provider_id", "purpose", "source"}
    assert seed_fields(schemas["ListDatasetsResponse"]) == ({"data"}, {"data"})


def _client_fields(model: type[Any]) -> set[str]:
    return set(model.model_fields)


def test_served_shapes_match_client_types_and_seed(server: RunningServer, schemas: dict[str, str]) -> None:
    """Real responses: every field the client declares is there, and nothing it does not know."""
    base = server.base_url
    rows = [{"question": "q", "answer": "a"}]
    registered = httpx.post(
        f"{base}/v1beta/datasets",
        json={"purpose": "eval/question-answer", "source": {"type": "rows", "rows": rows}, "dataset_id": "shape"},
    )
    assert registered.status_code == 200, registered.text
    dataset = registered.json()
    client_dataset = _client_fields(dataset_retrieve_response.DatasetRetrieveResponse)
    assert set(dataset) == client_dataset
    assert seed_fields(schemas["Dataset"])[0] <= set(dataset)
    assert dataset["type"] == "dataset" and dataset["source"] == {"type": "rows", "rows": rows}

    listed = httpx.get(f"{base}/v1beta/datasets").json()
    assert set(listed) == seed_fields(schemas["ListDatasetsResponse"])[0] == {"data"}
    assert all(set(item) == _client_fields(dataset_list_response.DatasetListResponseItem) for item in listed["data"])

    page = httpx.get(f"{base}/v1beta/datasetio/iterrows/shape").json()
    assert set(page) <= _client_fields(dataset_iterrows_response.DatasetIterrowsResponse)
    assert {"data", "has_more"} <= set(page)
    assert set(page) == _client_fields(PaginatedResponse)

    appended = httpx.post(f"{base}/v1beta/datasetio/append-rows/shape", json={"rows": rows})
    assert appended.status_code == 204 and appended.content == b""
    deleted = httpx.delete(f"{base}/v1beta/datasets/shape")
    assert deleted.status_code == 204 and deleted.content == b""


def test_openapi_document_serves_the_seed_paths(server: RunningServer) -> None:
    paths = httpx.get(f"{server.base_url}/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/v1beta/datasets"])
    assert {"get", "delete"} <= set(paths["/v1beta/datasets/{dataset_id}"])
    assert "get" in paths["/v1beta/datasetio/iterrows/{dataset_id}"]
    assert "post" in paths["/v1beta/datasetio/append-rows/{dataset_id}"]
    parameters = {p["name"] for p in paths["/v1beta/datasetio/iterrows/{dataset_id}"]["get"]["parameters"]}
    assert parameters == {"dataset_id", "start_index", "limit"}
