"""llama-stack-client 0.3.5 against starter: the calls its users make, rerank included."""

import pytest
from llama_stack_client import LlamaStackClient

from tests.inference.conftest import CHAT_MODEL, EMBEDDING_MODEL

pytestmark = pytest.mark.slow
PASSAGES = [
    "Bananas are a yellow fruit rich in potassium.",
    "The stock market closed lower on Friday.",
    "Paris is the capital and largest city of France.",
    "Mount Everest is the highest mountain on Earth.",
]


def test_models_list(stack_client: LlamaStackClient) -> None:
    models = {model.id: model for model in stack_client.models.list()}
    assert models[CHAT_MODEL].owned_by == "llama-cpp"
    assert models[EMBEDDING_MODEL].owned_by == "sentence-transformers"


def test_chat_completions_create(stack_client: LlamaStackClient) -> None:
    reply = stack_client.chat.completions.create(
        model=CHAT_MODEL, messages=[{"role": "user", "content": "Name a colour."}], max_tokens=10, temperature=0
    )
    assert reply.choices[0].message.content
    assert reply.usage and reply.usage.completion_tokens > 0


def test_chat_completions_create_streamed(stack_client: LlamaStackClient) -> None:
    chunks = list(
        stack_client.chat.completions.create(
            model=CHAT_MODEL,
            messages=[{"role": "user", "content": "Name a colour."}],
            max_tokens=10,
            temperature=0,
            stream=True,
        )
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert chunks[-1].choices[0].finish_reason in ("stop", "length")


def test_completions_create(stack_client: LlamaStackClient) -> None:
    reply = stack_client.completions.create(model=CHAT_MODEL, prompt="Once upon a time", max_tokens=6, temperature=0)
    assert reply.choices[0].text and reply.choices[0].finish_reason == "length"


def test_embeddings_create(stack_client: LlamaStackClient) -> None:
    reply = stack_client.embeddings.create(model=EMBEDDING_MODEL, input=["hello", "world"])
    assert [len(item.embedding) for item in reply.data] == [384, 384]


def test_rerank_puts_the_relevant_passage_first(stack_client: LlamaStackClient) -> None:
    ranked = stack_client.alpha.inference.rerank(
        model=EMBEDDING_MODEL, query="What is the capital of France?", items=PASSAGES
    )
    assert ranked[0].index == 2
    assert sorted(item.index for item in ranked) == [0, 1, 2, 3]
    scores = [item.relevance_score for item in ranked]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[1] + 0.2


def test_rerank_max_num_results_and_text_parts(stack_client: LlamaStackClient) -> None:
    ranked = stack_client.alpha.inference.rerank(
        model=EMBEDDING_MODEL,
        query={"type": "text", "text": "tallest mountain"},
        items=[{"type": "text", "text": passage} for passage in PASSAGES],
        max_num_results=2,
    )
    assert len(ranked) == 2 and ranked[0].index == 3
