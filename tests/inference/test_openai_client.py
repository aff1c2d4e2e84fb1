"""The `openai` client against starter: llama.cpp chat and completions, sentence-transformers embeddings."""

import json
import math

import pytest
from openai import OpenAI
from pydantic import BaseModel

from tests.inference.conftest import CHAT_MODEL, EMBEDDING_MODEL

pytestmark = pytest.mark.slow
HELLO = [{"role": "user", "content": "Say hello to Alice."}]
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


class City(BaseModel):
    name: str
    country: str
    population: int


def test_models_list_has_both_starter_models(openai_client: OpenAI) -> None:
    ids = {model.id for model in openai_client.models.list()}
    assert {CHAT_MODEL, EMBEDDING_MODEL} <= ids


def test_chat_completion_generates_tokens_and_counts_them(openai_client: OpenAI) -> None:
    reply = openai_client.chat.completions.create(model=CHAT_MODEL, messages=HELLO, max_tokens=12, temperature=0)
    choice = reply.choices[0]
    assert reply.model == CHAT_MODEL
    assert choice.message.role == "assistant" and choice.message.content
    assert choice.finish_reason in ("stop", "length")
    assert reply.usage is not None and reply.usage.prompt_tokens > 5
    assert 0 < reply.usage.completion_tokens <= 12
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens


def test_chat_stream_matches_the_non_streamed_reply(openai_client: OpenAI) -> None:
    whole = openai_client.chat.completions.create(model=CHAT_MODEL, messages=HELLO, max_tokens=16, temperature=0)
    chunks = list(
        openai_client.chat.completions.create(
            model=CHAT_MODEL,
            messages=HELLO,
            max_tokens=16,
            temperature=0,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) > 3  # token by token
    assert chunks[0].choices[0].delta.role == "assistant"
    assert text == whole.choices[0].message.content
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes == [whole.choices[0].finish_reason]
    assert chunks[-1].choices == [] and chunks[-1].usage == whole.usage
    assert all(chunk.id == chunks[0].id for chunk in chunks)


def test_stop_sequence_ends_the_reply_before_it(openai_client: OpenAI) -> None:
    reply = openai_client.completions.create(
        model=CHAT_MODEL, prompt="1, 2, 3, 4,", max_tokens=30, temperature=0, stop=[" 7"]
    )
    assert reply.choices[0].finish_reason == "stop"
    assert reply.choices[0].text.startswith(" 5, 6,") and "7" not in reply.choices[0].text


def test_seed_makes_sampling_repeatable_and_n_gives_that_many_choices(openai_client: OpenAI) -> None:
    def sample(seed: int) -> list[str]:
        reply = openai_client.chat.completions.create(
            model=CHAT_MODEL,
            messages=[{"role": "user", "content": "Write a story."}],
            max_tokens=12,
            temperature=1.0,
            top_p=0.95,
            seed=seed,
            n=2,
        )
        assert [choice.index for choice in reply.choices] == [0, 1]
        return [choice.message.content or "" for choice in reply.choices]

    first = sample(7)
    assert sample(7) == first
    assert sample(8) != first


def test_logprobs_come_per_token_with_alternatives(openai_client: OpenAI) -> None:
    reply = openai_client.chat.completions.create(
        model=CHAT_MODEL, messages=HELLO, max_tokens=6, temperature=0, logprobs=True, top_logprobs=3
    )
    entries = reply.choices[0].logprobs.content
    assert entries and "".join(entry.token for entry in entries) == reply.choices[0].message.content
    for entry in entries:
        assert entry.logprob <= 0 and len(entry.top_logprobs) == 3
        # greedy decoding: the chosen token is the most likely one
        assert math.isclose(entry.logprob, max(alt.logprob for alt in entry.top_logprobs), abs_tol=1e-4)


def test_json_schema_reply_parses_and_validates(openai_client: OpenAI) -> None:
    reply = openai_client.chat.completions.create(
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": "Describe the city of Paris as JSON."}],
        response_format={"type": "json_schema", "json_schema": {"name": "city", "schema": City.model_json_schema()}},
        max_tokens=80,
        temperature=0,
    )
    assert reply.choices[0].finish_reason == "stop"
    City.model_validate_json(reply.choices[0].message.content or "")


def test_json_object_reply_parses(openai_client: OpenAI) -> None:
    question = 'Is the sky blue? Answer in JSON like {"answer": "yes"} or {"answer": "no"}.'
    reply = openai_client.chat.completions.create(
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": question}],
        response_format={"type": "json_object"},
        max_tokens=100,
        temperature=0,
    )
    assert reply.choices[0].finish_reason == "stop"
    assert isinstance(json.loads(reply.choices[0].message.content or ""), dict | list)


def test_required_tool_choice_comes_back_as_tool_calls(openai_client: OpenAI) -> None:
    reply = openai_client.chat.completions.create(
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": "What is the weather in Paris?"}],
        tools=[WEATHER_TOOL],
        tool_choice="required",
        max_tokens=60,
        temperature=0,
    )
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    (call,) = choice.message.tool_calls or []
    assert call.type == "function" and call.id and call.function.name == "get_weather"
    assert isinstance(json.loads(call.function.arguments)["city"], str)


def test_streamed_tool_call_arrives_as_a_tool_calls_delta(openai_client: OpenAI) -> None:
    chunks = list(
        openai_client.chat.completions.create(
            model=CHAT_MODEL,
            messages=[{"role": "user", "content": "Weather in Rome?"}],
            tools=[WEATHER_TOOL],
            tool_choice={"type": "function", "function": {"name": "get_weather"}},
            max_tokens=60,
            temperature=0,
            stream=True,
        )
    )
    calls = [call for chunk in chunks for call in chunk.choices[0].delta.tool_calls or []]
    assert len(calls) == 1 and calls[0].function.name == "get_weather"
    assert "city" in json.loads(calls[0].function.arguments or "")
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_tool_result_can_be_sent_back(openai_client: OpenAI) -> None:
    """A conversation holding an assistant tool call and the tool's answer renders and replies."""
    messages = [
        {"role": "user", "content": "What is the weather in Paris?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "Sunny, 24 degrees"},
    ]
    reply = openai_client.chat.completions.create(
        model=CHAT_MODEL, messages=messages, tools=[WEATHER_TOOL], tool_choice="none", max_tokens=20, temperature=0
    )
    assert reply.choices[0].message.content and reply.choices[0].message.tool_calls is None


def test_completion_and_its_stream(openai_client: OpenAI) -> None:
    whole = openai_client.completions.create(
        model=CHAT_MODEL, prompt="The capital of France is", max_tokens=8, temperature=0, logprobs=2
    )
    choice = whole.choices[0]
    assert "Paris" in choice.text and whole.usage and whole.usage.completion_tokens == 8
    assert choice.logprobs and "".join(choice.logprobs.tokens or []) == choice.text
    assert all(len(top) >= 2 for top in choice.logprobs.top_logprobs or [])
    chunks = list(
        openai_client.completions.create(
            model=CHAT_MODEL,
            prompt="The capital of France is",
            max_tokens=8,
            temperature=0,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert "".join(c.choices[0].text for c in chunks if c.choices) == choice.text
    assert chunks[-1].usage == whole.usage


def test_completion_of_several_prompts_with_echo(openai_client: OpenAI) -> None:
    reply = openai_client.completions.create(
        model=CHAT_MODEL, prompt=["Red, green,", "One, two,"], max_tokens=3, temperature=0, echo=True
    )
    assert [choice.index for choice in reply.choices] == [0, 1]
    assert reply.choices[0].text.startswith("Red, green,") and reply.choices[1].text.startswith("One, two,")


def test_embeddings_are_unit_vectors_of_384_floats(openai_client: OpenAI) -> None:
    reply = openai_client.embeddings.create(model=EMBEDDING_MODEL, input=["a cat sat", "a dog ran"])  # base64 wire
    assert [item.index for item in reply.data] == [0, 1] and reply.model == EMBEDDING_MODEL
    for item in reply.data:
        assert len(item.embedding) == 384
        assert math.isclose(sum(x * x for x in item.embedding), 1.0, rel_tol=1e-4)
    floats = openai_client.embeddings.create(model=EMBEDDING_MODEL, input="a cat sat", encoding_format="float")
    assert floats.data[0].embedding == pytest.approx(reply.data[0].embedding, abs=1e-6)
    assert reply.usage.prompt_tokens > 4


def test_similar_texts_embed_closer_than_unrelated_ones(openai_client: OpenAI) -> None:
    texts = ["The cat sleeps on the sofa.", "A kitten naps on the couch.", "Stock prices fell."]
    vectors = [d.embedding for d in openai_client.embeddings.create(model=EMBEDDING_MODEL, input=texts).data]

    def cosine(a: list[float], b: list[float]) -> float:
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2]) + 0.3
