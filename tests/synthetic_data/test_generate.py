"""Generation through the real server on the embedded model: every filtering function keeps
exactly what its pure function keeps of the real scores; llama-stack-client's call works; runs
save SFT rows into a dataset; a job reports progress and returns the same response shape."""

import time
from typing import Any

import httpx
import pytest
from llama_stack_client import LlamaStackClient
from llama_stack_client.types import SyntheticDataGenerationResponse as ClientResponse

from plugstack.apis.synthetic_data_generation.models import FilteringParams
from plugstack_synthetic_data.filtering import keep
from tests.support.server import RunningServer
from tests.synthetic_data.conftest import GENERATE, JOBS, MODEL, request, user

pytestmark = pytest.mark.slow

DIALOGS: list[Any] = [
    user("Name a fruit."),
    [{"role": "system", "content": "Answer in one word."}, user("What colour is the sky?")],
]
FILTERING = {"top_k": 2, "top_p": 0.6, "seed": 5}


def check_response(body: dict[str, Any], function: str, k: int = 3) -> None:
    ClientResponse.model_validate(body, strict=True)  # the published client's type
    stats = body["statistics"]
    assert stats["dialogs"] == len(DIALOGS) and stats["generated"] == len(DIALOGS) * k
    assert stats["filtering_function"] == function
    all_scores = [score for dialog in body["synthetic_data"] for score in dialog["scores"]]
    assert stats["score_min"] == min(all_scores) and stats["score_max"] == max(all_scores)
    assert all(0 <= score <= 10 for score in all_scores)  # the judge's scale
    assert stats["generate_s"] > 0 and stats["score_s"] > 0 and stats["total_s"] >= stats["generate_s"]
    params = FilteringParams(**FILTERING)
    kept_total = 0
    for index, dialog in enumerate(body["synthetic_data"]):
        assert dialog["dialog_index"] == index and len(dialog["scores"]) == k
        assert dialog["kept_indices"] == keep(dialog["scores"], function, params, stream=index)  # type: ignore[arg-type]
        kept = dialog["k_scored_generations"]
        assert [c["score"] for c in kept] == [dialog["scores"][i] for i in dialog["kept_indices"]]
        assert all(c["message"]["role"] == "assistant" and c["message"]["content"].strip() for c in kept)
        kept_total += len(kept)
    assert stats["kept"] == kept_total


@pytest.mark.parametrize("function", ["none", "random", "top_k", "top_p", "top_k_top_p", "sigmoid"])
def test_every_filtering_function_on_real_scores(http: httpx.Client, function: str) -> None:
    response = http.post(GENERATE, json=request(DIALOGS, function, filtering=FILTERING))
    assert response.status_code == 200, response.text
    body = response.json()
    check_response(body, function)
    counts = [len(dialog["kept_indices"]) for dialog in body["synthetic_data"]]
    if function == "none":
        assert counts == [3, 3]
    elif function in ("top_k", "random"):
        assert counts == [2, 2]
    elif function in ("top_p", "top_k_top_p"):
        assert all(1 <= count <= (3 if function == "top_p" else 2) for count in counts)


def test_llama_stack_client_generate(server: RunningServer) -> None:
    client = LlamaStackClient(base_url=server.base_url, max_retries=0, timeout=600)
    extra = {key: value for key, value in request([]).items() if key not in ("dialogs", "filtering_function", "model")}
    response = client.synthetic_data_generation.generate(
        dialogs=[{"role": "user", "content": "Name a fruit."}],
        filtering_function="top_k",
        model=MODEL,
        extra_body=extra,
    )
    assert response.statistics is not None and response.statistics["kept"] == 1
    (dialog,) = response.synthetic_data
    assert dialog["dialog"] == [{"role": "user", "content": "Name a fruit."}]  # echoed as sent
    assert len(dialog["k_scored_generations"]) == 1


def rows(http: httpx.Client, dataset_id: str) -> list[dict[str, Any]]:
    response = http.get(f"/v1beta/datasetio/iterrows/{dataset_id}")
    response.raise_for_status()
    return response.json()["data"]


def test_sft_rows_are_registered_then_appended(http: httpx.Client) -> None:
    first = http.post(GENERATE, json=request(DIALOGS, "top_k", dataset_id="sdg-sft", filtering=FILTERING)).json()
    assert first["statistics"]["rows_saved"] == first["statistics"]["kept"] == 4
    dataset = http.get("/v1beta/datasets/sdg-sft").json()
    assert dataset["purpose"] == "post-training/messages"
    saved = rows(http, "sdg-sft")
    kept = [(d, c) for d in first["synthetic_data"] for c in d["k_scored_generations"]]
    assert [row["messages"][-1]["content"] for row in saved] == [c["message"]["content"] for _, c in kept]
    assert [row["messages"][:-1] for row in saved] == [d["dialog"] for d, _ in kept]
    again = http.post(GENERATE, json=request([user("Name a tree.")], "top_k", dataset_id="sdg-sft")).json()
    assert again["statistics"]["rows_saved"] == 1 and len(rows(http, "sdg-sft")) == 5


def test_a_job_reports_progress_and_returns_the_response(http: httpx.Client) -> None:
    dialogs = [user(f"Give a word that rhymes with {word}.") for word in ("cat", "tree", "sun")]
    created = http.post(JOBS, json=request(dialogs, "top_k", filtering=FILTERING))
    assert created.status_code == 200, created.text
    job_id = created.json()["job_id"]
    deadline = time.monotonic() + 600
    while (job := http.get(f"{JOBS}/{job_id}").json())["status"] not in ("completed", "failed", "cancelled"):
        assert time.monotonic() < deadline, job
        time.sleep(0.5)
    assert job["status"] == "completed", job
    assert job["progress"] == {"dialogs_done": 3, "dialogs_total": 3, "generated": 9, "kept": 6}
    assert job["params"]["dialogs"] == dialogs and job["started_at"] and job["completed_at"]
    result = http.get(f"{JOBS}/{job_id}/result").json()
    assert result["statistics"]["kept"] == 6 and len(result["synthetic_data"]) == 3


def test_a_cancelled_job_has_no_result(http: httpx.Client) -> None:
    dialogs = [user(f"Count to {n}.") for n in range(40)]
    job_id = http.post(JOBS, json=request(dialogs, "none", k=4)).json()["job_id"]
    cancelled = http.post(f"{JOBS}/{job_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled", cancelled.text
    result = http.get(f"{JOBS}/{job_id}/result")
    assert result.status_code == 409 and "cancelled" in result.json()["detail"]
