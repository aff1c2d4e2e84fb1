"""State survives a restart; a response cut off by a killed server is failed with the reason.

Responses, conversations, agents and sessions are stored on SQLite, then on PostgreSQL; the
killed turn (the same recovery path) on SQLite only, to keep the suite short."""

import signal
from pathlib import Path

import httpx
import pytest
from llama_stack_client import LlamaStackClient, NotFoundError
from openai import OpenAI

from tests.agents.conftest import RUN_YAML, SCRIPTED, SLOW, agents_env
from tests.support.postgres import StateStorage
from tests.support.server import run_server


def test_a_restart_keeps_what_finished_and_fails_what_was_cut_off(tmp_path: Path, state_storage: StateStorage) -> None:
    state, env, config = tmp_path / "state", agents_env(tmp_path), state_storage.apply(RUN_YAML)
    with run_server(config, state, env=env) as server:
        client = OpenAI(base_url=f"{server.base_url}/v1", api_key="unused", max_retries=0, timeout=60)
        conversation = client.conversations.create(metadata={"name": "kept"})
        done = client.responses.create(model=SCRIPTED, input="kept", conversation=conversation.id)
        with (
            httpx.Client(base_url=server.base_url, timeout=60) as http,
            http.stream("POST", "/v1/responses", json={"model": SLOW, "input": "go on", "stream": True}) as stream,
        ):
            lines = stream.iter_lines()
            cut_id = None
            for line in lines:
                if '"response.output_text.delta"' in line:
                    break
                if '"response.created"' in line:
                    cut_id = line.split('"id":"', 1)[1].split('"', 1)[0]
            server.stop(signal.SIGKILL)
    assert cut_id is not None and cut_id.startswith("resp_")

    with run_server(config, state, env=env) as server:
        client = OpenAI(base_url=f"{server.base_url}/v1", api_key="unused", max_retries=0, timeout=60)
        assert client.responses.retrieve(done.id).output_text == "Echo (1 messages): kept"
        cut = client.responses.retrieve(cut_id)
        assert cut.status == "failed"
        assert cut.error is not None and "server stopped before this response finished" in cut.error.message
        assert client.conversations.retrieve(conversation.id).metadata == {"name": "kept"}
        assert len(client.conversations.items.list(conversation.id).data) == 2
        after = client.responses.create(model=SCRIPTED, input="more", conversation=conversation.id)
        assert after.output_text == "Echo (3 messages): more"


def test_agents_always_persist_and_sessions_when_asked(tmp_path: Path, state_storage: StateStorage) -> None:
    state, env, config = tmp_path / "state", agents_env(tmp_path), state_storage.apply(RUN_YAML)
    with run_server(config, state, env=env) as server:
        client = LlamaStackClient(base_url=server.base_url, max_retries=0, timeout=60)
        kept = client.alpha.agents.create(
            agent_config={"model": SCRIPTED, "instructions": "x", "enable_session_persistence": True}
        ).agent_id
        transient = client.alpha.agents.create(agent_config={"model": SCRIPTED, "instructions": "x"}).agent_id
        kept_session = client.alpha.agents.session.create(agent_id=kept, session_name="kept").session_id
        lost_session = client.alpha.agents.session.create(agent_id=transient, session_name="lost").session_id
        turn = client.alpha.agents.turn.create(
            agent_id=kept, session_id=kept_session, messages=[{"role": "user", "content": "hi"}], stream=False
        )
    with run_server(config, state, env=env) as server:
        client = LlamaStackClient(base_url=server.base_url, max_retries=0, timeout=60)
        assert {a["agent_id"] for a in client.alpha.agents.list().data} >= {kept, transient}
        session = client.alpha.agents.session.retrieve(kept_session, agent_id=kept)
        assert [t.turn_id for t in session.turns] == [turn.turn_id]
        assert session.turns[0].output_message.content == "Echo (2 messages): hi"
        with pytest.raises(NotFoundError):
            client.alpha.agents.session.retrieve(lost_session, agent_id=transient)
        again = client.alpha.agents.turn.create(
            agent_id=kept, session_id=kept_session, messages=[{"role": "user", "content": "more"}], stream=False
        )
        assert again.output_message.content == "Echo (4 messages): more"  # the history came back too


def test_a_turn_cut_off_by_a_killed_server_ends_failed(tmp_path: Path) -> None:
    state, env = tmp_path / "state", agents_env(tmp_path)
    with run_server(RUN_YAML, state, env=env) as server:
        client = LlamaStackClient(base_url=server.base_url, max_retries=0, timeout=60)
        agent = client.alpha.agents.create(
            agent_config={"model": SLOW, "instructions": "x", "enable_session_persistence": True}
        ).agent_id
        session = client.alpha.agents.session.create(agent_id=agent, session_name="cut").session_id
        path = f"/v1alpha/agents/{agent}/session/{session}/turn"
        body = {"messages": [{"role": "user", "content": "go on"}], "stream": True}
        with httpx.Client(base_url=server.base_url, timeout=60) as http, http.stream("POST", path, json=body) as stream:
            # Keep the iterator: a for loop over a bare ``stream.iter_lines()`` drops it at the
            # break, and httpcore then closes the connection, so the server could record a
            # client disconnect before the kill lands.
            lines = stream.iter_lines()
            for line in lines:
                if '"step_progress"' in line:
                    break
            server.stop(signal.SIGKILL)
    with run_server(RUN_YAML, state, env=env) as server:
        client = LlamaStackClient(base_url=server.base_url, max_retries=0, timeout=60)
        (turn,) = client.alpha.agents.session.retrieve(session, agent_id=agent).turns
        assert turn.completed_at is not None
        assert turn.output_message.content == "The turn failed: the server stopped before this response finished"
