"""/v1/responses through the openai client: real tokens from SmolLM2, scripted branches."""

import json
import time

import httpx
import pytest
from llama_stack_client import LlamaStackClient
from openai import NotFoundError, OpenAI

from tests.agents.conftest import REAL, SCRIPTED, SLOW

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


def test_a_real_model_answers_non_streamed(openai_client: OpenAI) -> None:
    response = openai_client.responses.create(model=REAL, input="Name a colour.", max_output_tokens=16)
    assert response.id.startswith("resp_") and response.status == "completed"
    assert response.output_text.strip()
    assert response.output[0].type == "message" and response.output[0].role == "assistant"
    assert response.usage is not None and response.usage.output_tokens > 0
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens


def test_a_real_model_streams_the_events_in_order(openai_client: OpenAI) -> None:
    events = list(
        openai_client.responses.create(
            model=REAL, input="Say hello.", instructions="Be brief.", max_output_tokens=12, stream=True
        )
    )
    types = [event.type for event in events]
    assert types[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    assert types[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [event.sequence_number for event in events] == list(range(len(events)))
    deltas = "".join(event.delta for event in events if event.type == "response.output_text.delta")
    final = events[-1].response
    assert deltas and final.output_text == deltas and final.status == "completed"
    assert openai_client.responses.retrieve(final.id).output_text == deltas


def test_a_forced_function_call_then_its_output(openai_client: OpenAI) -> None:
    """llama.cpp forces the call by grammar, so even the 135M model calls the tool."""
    first = openai_client.responses.create(
        model=REAL, input="What is the weather in Paris?", tools=[WEATHER], tool_choice="required", max_output_tokens=64
    )
    (call,) = [item for item in first.output if item.type == "function_call"]
    assert call.name == "get_weather" and isinstance(json.loads(call.arguments)["city"], str)
    assert call.call_id and call.status == "completed"
    second = openai_client.responses.create(
        model=REAL,
        previous_response_id=first.id,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": '{"sky": "sunny", "c": 21}'}],
        tools=[WEATHER],
        tool_choice="required",
        max_output_tokens=48,
    )
    assert second.status == "completed" and second.previous_response_id == first.id


def test_after_tool_output_a_forced_choice_becomes_auto(openai_client: OpenAI) -> None:
    first = openai_client.responses.create(
        model=SCRIPTED, input="Lyon", tools=[WEATHER], tool_choice={"type": "function", "name": "get_weather"}
    )
    call = first.output[0]
    assert (call.type, json.loads(call.arguments)) == ("function_call", {"city": "Lyon"})
    second = openai_client.responses.create(
        model=SCRIPTED,
        previous_response_id=first.id,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "rain"}],
        tools=[WEATHER],
        tool_choice={"type": "function", "name": "get_weather"},
    )
    assert second.output_text == "The tool said: rain (tool_choice=auto)"


def test_previous_response_id_carries_the_history(openai_client: OpenAI) -> None:
    first = openai_client.responses.create(model=SCRIPTED, input="one", instructions="sys")
    assert first.output_text == "Echo (2 messages): one"  # system + user
    second = openai_client.responses.create(model=SCRIPTED, input="two", previous_response_id=first.id)
    assert second.output_text == "Echo (3 messages): two"  # user, assistant, user (instructions not inherited)
    items = openai_client.responses.input_items.list(second.id)
    assert [item.content[0].text for item in items.data] == ["two"]


def test_streamed_function_calls_carry_their_arguments(openai_client: OpenAI) -> None:
    events = list(openai_client.responses.create(model=SCRIPTED, input="Oslo", tools=[WEATHER], stream=True))
    added = next(e for e in events if e.type == "response.output_item.added")
    done = next(e for e in events if e.type == "response.output_item.done")
    assert added.item.type == "function_call" and added.item.arguments == ""
    assert json.loads(done.item.arguments) == {"city": "Oslo"}
    arguments = next(e for e in events if e.type == "response.function_call_arguments.done")
    assert arguments.arguments == done.item.arguments
    assert events[-1].type == "response.completed"


def test_stored_responses_are_listed_retrieved_and_deleted(
    openai_client: OpenAI, stack_client: LlamaStackClient
) -> None:
    """openai has no responses.list; llama-stack-client does."""
    made = [openai_client.responses.create(model=SCRIPTED, input=f"n{n}", metadata={"n": str(n)}) for n in range(3)]
    unstored = openai_client.responses.create(model=SCRIPTED, input="not kept", store=False)
    listed = [r.id for r in stack_client.responses.list(limit=100).data]
    assert listed.index(made[2].id) < listed.index(made[0].id)  # newest first
    assert unstored.id not in listed
    page = stack_client.responses.list(limit=1, order="asc", after=made[0].id)
    assert page.data[0].id == made[1].id and page.has_more
    assert openai_client.responses.retrieve(made[1].id).metadata == {"n": "1"}
    openai_client.responses.delete(made[1].id)
    with pytest.raises(NotFoundError):
        openai_client.responses.retrieve(made[1].id)


def test_text_format_json_schema_is_honoured(openai_client: OpenAI) -> None:
    colour = {"type": "string", "enum": ["red", "green", "blue"]}
    schema = {"type": "object", "properties": {"colour": colour}, "required": ["colour"]}
    response = openai_client.responses.create(
        model=REAL,
        input="Pick a colour.",
        text={"format": {"type": "json_schema", "name": "pick", "schema": schema}},
        max_output_tokens=32,
    )
    assert json.loads(response.output_text)["colour"] in colour["enum"]


def test_guardrails_refuse_a_flagged_input(openai_client: OpenAI) -> None:
    response = openai_client.responses.create(
        model=SCRIPTED, input="mail me at ana@example.org", extra_body={"guardrails": ["pii"]}
    )
    assert response.status == "completed"
    (message,) = response.output
    assert message.content[0].type == "refusal" and message.content[0].refusal


def test_output_guardrails_refuse_a_flagged_answer(openai_client: OpenAI) -> None:
    """The scripted model echoes the input: the card number is in the answer, and only the
    output is checked here."""
    clean = openai_client.responses.create(model=SCRIPTED, input="hello", extra_body={"output_guardrails": ["pii"]})
    assert clean.output_text == "Echo (1 messages): hello"
    flagged = openai_client.responses.create(
        model=SCRIPTED, input="4111 1111 1111 1111", extra_body={"output_guardrails": ["pii"]}
    )
    assert flagged.output[0].content[0].type == "refusal"
    events = list(
        openai_client.responses.create(
            model=SCRIPTED, input="4111 1111 1111 1111", stream=True, extra_body={"output_guardrails": ["pii"]}
        )
    )
    assert not any(event.type == "response.output_text.delta" for event in events)  # never sent


def test_a_client_that_disconnects_cancels_the_response(http: httpx.Client, openai_client: OpenAI) -> None:
    response_id = None
    with http.stream("POST", "/v1/responses", json={"model": SLOW, "input": "go", "stream": True}) as stream:
        for line in stream.iter_lines():
            if '"response.created"' in line:
                response_id = line.split('"id":"', 1)[1].split('"', 1)[0]
            if '"response.output_text.delta"' in line:
                break
    assert response_id is not None
    deadline = time.monotonic() + 20
    while (stored := openai_client.responses.retrieve(response_id)).status == "in_progress":
        assert time.monotonic() < deadline, "the response kept running after its client left"
        time.sleep(0.2)
    assert stored.status == "failed" and stored.error is not None
    assert stored.error.code == "client_disconnected"
