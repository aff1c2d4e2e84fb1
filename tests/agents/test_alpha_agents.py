"""`client.alpha.agents.*`: the raw /v1alpha/agents surface on the same loop."""

import base64
import time
from collections.abc import Iterable
from typing import Any

import httpx
import pytest
from llama_stack_client import LlamaStackClient, NotFoundError

from tests.agents.conftest import REAL, SCRIPTED, SLOW
from tests.support.documents import one_page_pdf

WEATHER_TOOL = {
    "name": "get_weather",
    "description": "The weather in a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


def payloads(stream: Iterable[Any]) -> list[dict]:
    return [chunk.event.payload.to_dict() for chunk in stream]


def new_session(client: LlamaStackClient, **config: object) -> tuple[str, str]:
    agent_config = {"model": SCRIPTED, "instructions": "You help.", **config}
    agent_id = client.alpha.agents.create(agent_config=agent_config).agent_id
    return agent_id, client.alpha.agents.session.create(agent_id=agent_id, session_name="s").session_id


def test_a_client_tool_turn_awaits_input_then_resumes(stack_client: LlamaStackClient) -> None:
    agent_id, session_id = new_session(stack_client, client_tools=[WEATHER_TOOL], enable_session_persistence=True)
    events = payloads(
        stack_client.alpha.agents.turn.create(
            agent_id=agent_id, session_id=session_id, messages=[{"role": "user", "content": "Rome"}], stream=True
        )
    )
    assert [e["event_type"] for e in events] == ["step_start", "step_progress", "step_complete", "turn_awaiting_input"]
    call = events[1]["delta"]["tool_call"]
    assert events[1]["delta"]["parse_status"] == "succeeded"
    assert (call["tool_name"], call["arguments"]) == ("get_weather", '{"city": "Rome"}')
    turn = events[-1]["turn"]
    assert turn["output_message"]["stop_reason"] == "end_of_message"
    assert turn["output_message"]["tool_calls"][0]["call_id"] == call["call_id"]

    resumed = payloads(
        stack_client.alpha.agents.turn.resume(
            turn["turn_id"],
            agent_id=agent_id,
            session_id=session_id,
            tool_responses=[{"call_id": call["call_id"], "tool_name": "get_weather", "content": "windy"}],
            stream=True,
        )
    )
    kinds = [(e["event_type"], e.get("step_type")) for e in resumed]
    assert kinds[0] == ("step_complete", "tool_execution")  # no step_start: it began before the resume
    assert resumed[0]["step_details"]["tool_responses"][0]["content"] == "windy"
    assert kinds[-1] == ("turn_complete", None)
    final = resumed[-1]["turn"]
    assert final["turn_id"] == turn["turn_id"]
    assert final["output_message"]["content"] == "The tool said: windy (tool_choice=auto)"
    assert [step["step_type"] for step in final["steps"]] == ["inference", "tool_execution", "inference"]

    stored = stack_client.alpha.agents.turn.retrieve(turn["turn_id"], agent_id=agent_id, session_id=session_id)
    assert stored.output_message.content == final["output_message"]["content"]
    step = stack_client.alpha.agents.steps.retrieve(
        final["steps"][1]["step_id"], agent_id=agent_id, session_id=session_id, turn_id=turn["turn_id"]
    )
    assert step.step.step_type == "tool_execution" and step.step.tool_calls[0].tool_name == "get_weather"


def test_a_non_streamed_turn_returns_the_turn(stack_client: LlamaStackClient) -> None:
    agent_id, session_id = new_session(stack_client)
    turn = stack_client.alpha.agents.turn.create(
        agent_id=agent_id, session_id=session_id, messages=[{"role": "user", "content": "hello"}], stream=False
    )
    assert turn.output_message.content == "Echo (2 messages): hello"
    assert turn.output_message.stop_reason == "end_of_turn" and turn.completed_at is not None
    assert [step.step_type for step in turn.steps] == ["inference"]
    assert turn.steps[0].api_model_response.content == "Echo (2 messages): hello"
    documents = [{"content": "The secret word is plover.", "mime_type": "text/plain"}]
    second = stack_client.alpha.agents.turn.create(
        agent_id=agent_id,
        session_id=session_id,
        messages=[{"role": "user", "content": "word?"}],
        documents=documents,
        stream=False,
    )
    assert second.output_message.content.startswith("Echo (4 messages): word?")
    assert "plover" in second.output_message.content  # the document went with the message
    pdf = base64.b64encode(one_page_pdf("The gate opens at dawn")).decode()
    html = "<html><head><style>p {}</style></head><body><p>The bell rings <b>twice</b>.</p></body></html>"
    third = stack_client.alpha.agents.turn.create(
        agent_id=agent_id,
        session_id=session_id,
        messages=[{"role": "user", "content": "facts?"}],
        documents=[
            {"content": {"uri": f"data:application/pdf;base64,{pdf}"}, "mime_type": "application/pdf"},
            {"content": html, "mime_type": "text/html"},
        ],
        stream=False,
    )
    said = third.output_message.content
    assert "The gate opens at dawn" in said and "The bell rings twice" in said and "<b>" not in said


def test_a_real_model_turn(stack_client: LlamaStackClient) -> None:
    agent_id = stack_client.alpha.agents.create(
        agent_config={
            "model": REAL,
            "instructions": "Answer briefly.",
            "sampling_params": {"strategy": {"type": "greedy"}, "max_tokens": 24},
        }
    ).agent_id
    session_id = stack_client.alpha.agents.session.create(agent_id=agent_id, session_name="real").session_id
    events = payloads(
        stack_client.alpha.agents.turn.create(
            agent_id=agent_id, session_id=session_id, messages=[{"role": "user", "content": "Hi!"}], stream=True
        )
    )
    text = "".join(e["delta"]["text"] for e in events if e["event_type"] == "step_progress")
    assert text and events[-1]["event_type"] == "turn_complete"
    assert events[-1]["turn"]["output_message"]["content"] == text


def test_input_shields_end_a_violating_turn(stack_client: LlamaStackClient) -> None:
    agent_id, session_id = new_session(stack_client, input_shields=["pii"])
    clean = payloads(
        stack_client.alpha.agents.turn.create(
            agent_id=agent_id, session_id=session_id, messages=[{"role": "user", "content": "hi"}], stream=True
        )
    )
    assert (clean[0]["step_type"], clean[0]["metadata"]) == ("shield_call", {"touchpoint": "user-input"})
    assert clean[1]["step_details"]["violation"] is None
    assert clean[-1]["turn"]["output_message"]["content"] == "Echo (2 messages): hi"
    flagged = payloads(
        stack_client.alpha.agents.turn.create(
            agent_id=agent_id,
            session_id=session_id,
            messages=[{"role": "user", "content": "me@example.com"}],
            stream=True,
        )
    )
    assert [e["event_type"] for e in flagged] == ["step_start", "step_complete", "turn_complete"]
    violation = flagged[1]["step_details"]["violation"]
    assert violation["violation_level"] == "error" and violation["metadata"]["violation_type"] == "email"
    assert flagged[-1]["turn"]["output_message"]["content"] == violation["user_message"]


def test_output_shields_replace_a_violating_answer(stack_client: LlamaStackClient) -> None:
    agent_id, session_id = new_session(stack_client, output_shields=["pii"])
    events = payloads(
        stack_client.alpha.agents.turn.create(
            agent_id=agent_id,
            session_id=session_id,
            messages=[{"role": "user", "content": "4111 1111 1111 1111"}],  # the scripted model echoes it
            stream=True,
        )
    )
    kinds = [(e["event_type"], e.get("step_type")) for e in events]
    assert kinds == [
        ("step_start", "inference"),
        ("step_start", "shield_call"),
        ("step_complete", "shield_call"),
        ("step_complete", "inference"),
        ("turn_complete", None),
    ]
    shield = events[2]["step_details"]
    assert shield["violation"]["metadata"]["violation_type"] == "credit_card"
    assert events[1]["metadata"] == {"touchpoint": "assistant-output"}
    turn = events[-1]["turn"]
    assert turn["output_message"]["content"] == shield["violation"]["user_message"]
    assert "4111" not in turn["output_message"]["content"]  # the answer never left the server
    assert "4111" not in str(turn["steps"][1]["model_response"])


def test_agents_and_sessions_are_listed_and_deleted(stack_client: LlamaStackClient) -> None:
    agent_id, session_id = new_session(stack_client, name="lister")
    other = stack_client.alpha.agents.session.create(agent_id=agent_id, session_name="second").session_id
    assert stack_client.alpha.agents.retrieve(agent_id).agent_config.name == "lister"
    assert agent_id in [a["agent_id"] for a in stack_client.alpha.agents.list().data]
    sessions = stack_client.alpha.agents.session.list(agent_id)
    assert [s["session_id"] for s in sessions.data] == [session_id, other]
    page = stack_client.alpha.agents.session.list(agent_id, start_index=1, limit=1)
    assert [s["session_id"] for s in page.data] == [other] and not page.has_more
    assert stack_client.alpha.agents.session.retrieve(session_id, agent_id=agent_id).session_name == "s"
    stack_client.alpha.agents.session.delete(other, agent_id=agent_id)
    with pytest.raises(NotFoundError):
        stack_client.alpha.agents.session.retrieve(other, agent_id=agent_id)
    stack_client.alpha.agents.delete(agent_id)
    with pytest.raises(NotFoundError):
        stack_client.alpha.agents.retrieve(agent_id)
    with pytest.raises(NotFoundError):
        stack_client.alpha.agents.session.retrieve(session_id, agent_id=agent_id)


def test_the_seed_spec_shapes_are_accepted_too(http: httpx.Client) -> None:
    agent = http.post("/v1alpha/agents", json={"model": SCRIPTED, "instructions": "x"})  # a bare AgentConfig
    assert agent.status_code == 200, agent.text
    agent_id = agent.json()["agent_id"]
    session = http.post(f"/v1alpha/agents/{agent_id}/session", params={"session_name": "q"})  # query parameter
    assert session.status_code == 200, session.text
    turn = http.post(
        f"/v1alpha/agents/{agent_id}/session/{session.json()['session_id']}/turn",
        json={"messages": [{"role": "user", "content": "hey"}]},
    )
    assert turn.status_code == 200 and turn.json()["output_message"]["content"] == "Echo (2 messages): hey"


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"model": "nope", "instructions": "x"}, "'nope'"),
        ({"model": SCRIPTED, "instructions": "x", "client_tools": [WEATHER_TOOL, WEATHER_TOOL]}, "get_weather"),
        ({"model": SCRIPTED, "instructions": "x", "input_shields": ["no-such"]}, "no-such"),
        (
            {"model": SCRIPTED, "instructions": "x", "tool_choice": "auto", "tool_config": {"tool_choice": "none"}},
            "tool_choice",
        ),
    ],
)
def test_bad_agent_configs(http: httpx.Client, config: dict, named: str) -> None:
    response = http.post("/v1alpha/agents", json={"agent_config": config})
    assert response.status_code in (400, 404), response.text
    assert named in response.json()["detail"]


def test_unknown_ids_and_wrong_resumes(http: httpx.Client, stack_client: LlamaStackClient) -> None:
    agent_id, session_id = new_session(stack_client)
    base = f"/v1alpha/agents/{agent_id}/session/{session_id}"
    assert http.get("/v1alpha/agents/nope").status_code == 404
    assert http.get(f"/v1alpha/agents/{agent_id}/session/nope").status_code == 404
    assert http.get(f"{base}/turn/nope").status_code == 404
    turn = stack_client.alpha.agents.turn.create(
        agent_id=agent_id, session_id=session_id, messages=[{"role": "user", "content": "x"}], stream=False
    )
    assert http.get(f"{base}/turn/{turn.turn_id}/step/nope").status_code == 404
    resume = http.post(
        f"{base}/turn/{turn.turn_id}/resume",
        json={"tool_responses": [{"call_id": "c", "tool_name": "t", "content": "x"}]},
    )
    assert resume.status_code == 409 and "not waiting" in resume.json()["detail"]
    fetched = http.post(
        f"{base}/turn",
        json={
            "messages": [{"role": "user", "content": "x"}],
            "documents": [{"content": {"uri": "http://127.0.0.1:9/secret"}, "mime_type": "text/plain"}],
        },
    )
    assert fetched.status_code == 400 and "not fetched" in fetched.json()["detail"]
    binary = http.post(
        f"{base}/turn",
        json={
            "messages": [{"role": "user", "content": "x"}],
            "documents": [{"content": "x", "mime_type": "image/png"}],
        },
    )
    assert binary.status_code == 400 and "image/png" in binary.json()["detail"]
    image = http.post(
        f"{base}/turn",
        json={"messages": [{"role": "user", "content": {"type": "image", "image": {"url": {"uri": "x"}}}}]},
    )
    assert image.status_code == 400 and "image" in image.json()["detail"]


def test_a_client_that_leaves_mid_turn_ends_it(http: httpx.Client, stack_client: LlamaStackClient) -> None:
    agent_id = stack_client.alpha.agents.create(agent_config={"model": SLOW, "instructions": "x"}).agent_id
    session_id = stack_client.alpha.agents.session.create(agent_id=agent_id, session_name="gone").session_id
    path = f"/v1alpha/agents/{agent_id}/session/{session_id}/turn"
    body = {"messages": [{"role": "user", "content": "go"}], "stream": True}
    with http.stream("POST", path, json=body) as stream:
        for line in stream.iter_lines():
            if '"step_progress"' in line:
                break
    deadline = time.monotonic() + 20
    while not (turns := stack_client.alpha.agents.session.retrieve(session_id, agent_id=agent_id).turns) or (
        turns[0].completed_at is None
    ):
        assert time.monotonic() < deadline, "the turn kept running after its client left"
        time.sleep(0.2)
    assert turns[0].output_message.content == "The turn failed: the client disconnected before the response finished"
