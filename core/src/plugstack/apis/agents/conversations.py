"""/v1/conversations: OpenAI's Conversations API (the llama-stack-client `Agent`'s sessions)."""

import time
from typing import Literal

from pydantic import BaseModel, Field

from plugstack.apis.agents.items import Item


class Conversation(BaseModel):
    id: str
    object: Literal["conversation"] = "conversation"
    created_at: int = Field(default_factory=lambda: int(time.time()))
    metadata: dict[str, str] = Field(default_factory=dict)


class CreateConversationRequest(BaseModel):
    items: list[Item] | None = Field(default=None, max_length=20, description="initial items (at most 20)")
    metadata: dict[str, str] | None = None


class UpdateConversationRequest(BaseModel):
    metadata: dict[str, str]


class AddItemsRequest(BaseModel):
    items: list[Item] = Field(min_length=1, max_length=20)


class ConversationDeleted(BaseModel):
    id: str
    object: Literal["conversation.deleted"] = "conversation.deleted"
    deleted: bool = True
