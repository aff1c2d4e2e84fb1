"""Contract: the routes are in the OpenAPI document and /v1/inspect/routes, with the request
llama-stack-client 0.3.5 sends (every response is checked against the client's own response
type, strictly, in test_generate.py)."""

import httpx

from tests.synthetic_data.conftest import GENERATE, JOBS


def test_routes_and_request_schema(http: httpx.Client) -> None:
    document = http.get("/openapi.json").json()
    paths = document["paths"]
    assert "post" in paths[GENERATE] and "post" in paths[JOBS]
    assert "get" in paths[f"{JOBS}/{{job_id}}"] and "get" in paths[f"{JOBS}/{{job_id}}/result"]
    assert "post" in paths[f"{JOBS}/{{job_id}}/cancel"]
    reference = paths[GENERATE]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][reference.rsplit("/", 1)[-1]]
    assert schema["required"] == ["dialogs"]
    assert {"dialogs", "filtering_function", "model", "k", "reward_scoring", "dataset_id"} <= set(schema["properties"])
    functions = set(document["components"]["schemas"]["FilteringParams"]["properties"])
    assert functions == {"top_k", "top_p", "seed"}
    routes = {route["route"] for route in http.get("/v1/inspect/routes").json()["data"]}
    assert {GENERATE, JOBS} <= routes
