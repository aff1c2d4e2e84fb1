"""/v1/conversations through the openai client, and responses that run in them."""

import pytest
from openai import NotFoundError, OpenAI

from tests.agents.conftest import SCRIPTED


def test_conversation_crud_and_items(openai_client: OpenAI) -> None:
    conversation = openai_client.conversations.create(
        metadata={"topic": "demo"}, items=[{"type": "message", "role": "user", "content": "first"}]
    )
    assert conversation.id.startswith("conv_") and conversation.metadata == {"topic": "demo"}
    added = openai_client.conversations.items.create(
        conversation.id,
        items=[
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "second"}]},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "third"}]},
        ],
    )
    assert [item.role for item in added.data] == ["assistant", "user"]
    listed = openai_client.conversations.items.list(conversation.id, order="asc")
    assert [item.type for item in listed.data] == ["message"] * 3
    one = openai_client.conversations.items.retrieve(listed.data[1].id, conversation_id=conversation.id)
    assert one.content[0].text == "second"
    openai_client.conversations.items.delete(listed.data[0].id, conversation_id=conversation.id)
    assert len(openai_client.conversations.items.list(conversation.id).data) == 2
    updated = openai_client.conversations.update(conversation.id, metadata={"topic": "changed"})
    assert openai_client.conversations.retrieve(conversation.id).metadata == updated.metadata == {"topic": "changed"}
    deleted = openai_client.conversations.delete(conversation.id)
    assert deleted.deleted and deleted.id == conversation.id
    with pytest.raises(NotFoundError):
        openai_client.conversations.retrieve(conversation.id)


def test_a_response_in_a_conversation_appends_its_input_and_output(openai_client: OpenAI) -> None:
    conversation = openai_client.conversations.create()
    first = openai_client.responses.create(model=SCRIPTED, conversation=conversation.id, input="hi")
    assert first.output_text == "Echo (1 messages): hi"
    second = openai_client.responses.create(model=SCRIPTED, conversation=conversation.id, input="again")
    assert second.output_text == "Echo (3 messages): again"
    items = openai_client.conversations.items.list(conversation.id, order="asc").data
    assert [(item.role, item.content[0].text) for item in items] == [
        ("user", "hi"),
        ("assistant", "Echo (1 messages): hi"),
        ("user", "again"),
        ("assistant", "Echo (3 messages): again"),
    ]


def test_items_page_with_a_cursor(openai_client: OpenAI) -> None:
    conversation = openai_client.conversations.create(
        items=[{"type": "message", "role": "user", "content": f"m{n}"} for n in range(5)]
    )
    first = openai_client.conversations.items.list(conversation.id, limit=2, order="asc")
    assert [item.content[0].text for item in first.data] == ["m0", "m1"]
    assert first.has_more
    rest = openai_client.conversations.items.list(conversation.id, limit=10, order="asc", after=first.data[-1].id)
    assert len(rest.data) == 3 and not rest.has_more
