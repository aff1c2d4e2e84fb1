"""Durable state of the agents provider: responses and conversations, in the stack's KV store.

Keys sort by creation (ids and item keys start with a timestamp), so listing is a prefix scan.
A response is written when it starts (``in_progress``) and when it ends, so a server killed
mid-response finds it on restart and marks it failed with the reason.
"""

import time

from pydantic import BaseModel, Field, TypeAdapter

from plugstack.apis.agents.conversations import Conversation
from plugstack.apis.agents.items import Item
from plugstack.apis.agents.responses import ResponseError, ResponseObject
from plugstack.errors import NotFoundError
from plugstack.storage.kv import KVStore

ITEM = TypeAdapter(Item)
INTERRUPTED = "the server stopped before this response finished"


class StoredResponse(BaseModel):
    response: ResponseObject
    context: list[Item] = Field(default_factory=list, description="what came before the input (a chain's items)")
    input: list[Item] = Field(default_factory=list, description="this request's input items")


class AgentStore:
    def __init__(self, kv: KVStore) -> None:
        self._kv = kv

    # -- responses ------------------------------------------------------------------------------

    async def save_response(self, stored: StoredResponse) -> None:
        await self._kv.set(f"response/{stored.response.id}", stored.model_dump_json())

    async def response(self, response_id: str) -> StoredResponse:
        raw = await self._kv.get(f"response/{response_id}")
        if raw is None:
            raise NotFoundError(f"response {response_id!r} not found")
        return StoredResponse.model_validate_json(raw)

    async def delete_response(self, response_id: str) -> None:
        await self.response(response_id)
        await self._kv.delete(f"response/{response_id}")

    async def responses(self) -> list[StoredResponse]:
        return [StoredResponse.model_validate_json(raw) for _, raw in await self._kv.items("response/")]

    async def fail_interrupted(self) -> int:
        """Mark responses left in progress by a previous process as failed; returns how many."""
        count = 0
        for stored in await self.responses():
            if stored.response.status == "in_progress":
                stored.response.status = "failed"
                stored.response.error = ResponseError(code="server_error", message=INTERRUPTED)
                await self.save_response(stored)
                count += 1
        return count

    # -- conversations ----------------------------------------------------------------------------

    async def save_conversation(self, conversation: Conversation) -> None:
        await self._kv.set(f"conversation/{conversation.id}", conversation.model_dump_json())

    async def conversation(self, conversation_id: str) -> Conversation:
        raw = await self._kv.get(f"conversation/{conversation_id}")
        if raw is None:
            raise NotFoundError(f"conversation {conversation_id!r} not found")
        return Conversation.model_validate_json(raw)

    async def delete_conversation(self, conversation_id: str) -> None:
        await self.conversation(conversation_id)
        for key, _ in await self._kv.items(f"item/{conversation_id}/"):
            await self._kv.delete(key)
        await self._kv.delete(f"conversation/{conversation_id}")

    async def add_items(self, conversation_id: str, items: list[Item]) -> None:
        stamp = time.time_ns()
        for index, item in enumerate(items):
            await self._kv.set(f"item/{conversation_id}/{stamp:020d}{index:05d}", ITEM.dump_json(item).decode())

    async def _item_entries(self, conversation_id: str) -> list[tuple[str, Item]]:
        return [(key, ITEM.validate_json(raw)) for key, raw in await self._kv.items(f"item/{conversation_id}/")]

    async def items(self, conversation_id: str) -> list[Item]:
        return [item for _, item in await self._item_entries(conversation_id)]

    async def item(self, conversation_id: str, item_id: str) -> Item:
        for _, item in await self._item_entries(conversation_id):
            if item.id == item_id:
                return item
        raise NotFoundError(f"item {item_id!r} not found in conversation {conversation_id!r}")

    async def delete_item(self, conversation_id: str, item_id: str) -> None:
        for key, item in await self._item_entries(conversation_id):
            if item.id == item_id:
                await self._kv.delete(key)
                return
        raise NotFoundError(f"item {item_id!r} not found in conversation {conversation_id!r}")
