"""response_format {type: grammar}: a GBNF grammar constrains llama.cpp's reply (an extension
that Llama Stack's own inference API had; the llama-guard shield relies on it)."""

import httpx
from openai import OpenAI

from tests.inference.conftest import CHAT_MODEL


def test_a_grammar_constrains_the_reply(openai_client: OpenAI) -> None:
    grammar = 'root ::= ("yes" | "no") "." '
    for question in ("Is the sky blue?", "Write a long story about dragons."):
        reply = openai_client.chat.completions.create(
            model=CHAT_MODEL,
            messages=[{"role": "user", "content": question}],
            max_tokens=8,
            extra_body={"response_format": {"type": "grammar", "grammar": grammar}},
        )
        assert reply.choices[0].message.content in ("yes.", "no.")


def test_an_invalid_grammar_is_a_400(http: httpx.Client) -> None:
    response = http.post(
        "/v1/chat/completions",
        json={
            "model": CHAT_MODEL,
            "messages": [{"role": "user", "content": "hi"}],
            "response_format": {"type": "grammar", "grammar": "root ::= ( unclosed"},
        },
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("response_format.grammar")
