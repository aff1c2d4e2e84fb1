"""llama-stack-client 0.3.5's `Agent` (conversations + streamed responses) runs unchanged."""

from llama_stack_client import LlamaStackClient
from llama_stack_client.lib.agents.agent import Agent
from llama_stack_client.lib.agents.client_tool import client_tool
from llama_stack_client.lib.agents.event_logger import AgentEventLogger

from tests.agents.conftest import REAL, SCRIPTED

CALLS: list[str] = []


@client_tool
def get_weather(city: str) -> str:
    """The weather in a city.

    :param city: the city's name
    """
    CALLS.append(city)
    return f"sunny in {city}"


def test_a_turn_whose_model_calls_a_client_tool(stack_client: LlamaStackClient) -> None:
    CALLS.clear()
    agent = Agent(stack_client, model=SCRIPTED, instructions="You help.", tools=[get_weather])
    session = agent.create_session("weather")
    assert session.startswith("conv_")
    chunks = list(agent.create_turn([{"role": "user", "content": "Paris"}], session_id=session, stream=True))
    assert CALLS == ["Paris"]  # the model called it, the client ran it
    final = chunks[-1].response
    assert final.output_text == 'The tool said: "sunny in Paris" (tool_choice=auto)'  # the client JSON-encodes results
    printed = "".join(str(event) for event in AgentEventLogger().log(iter(chunks)))
    assert "get_weather" in printed and "The tool said" in printed


def test_a_non_streamed_turn_returns_the_response(stack_client: LlamaStackClient) -> None:
    agent = Agent(stack_client, model=SCRIPTED, instructions="You help.")
    session = agent.create_session("plain")
    response = agent.create_turn([{"role": "user", "content": "hello"}], session_id=session, stream=False)
    assert response.output_text == "Echo (2 messages): hello"
    again = agent.create_turn([{"role": "user", "content": "more"}], session_id=session, stream=False)
    assert again.output_text == "Echo (4 messages): more"  # the session remembers


def test_a_real_model_agent_turn_streams_an_answer(stack_client: LlamaStackClient) -> None:
    agent = Agent(stack_client, model=REAL, instructions="Answer in one short sentence.")
    session = agent.create_session("real")
    chunks = list(agent.create_turn([{"role": "user", "content": "What is water?"}], session_id=session))
    assert chunks[-1].response.status == "completed" and chunks[-1].response.output_text.strip()
