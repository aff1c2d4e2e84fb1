"""What the agents API serves. One provider implements it all (Responses, Conversations), on
one agent loop; the router hands every call to it.

``create_response`` returns the finished `ResponseObject`, or for ``stream: true`` an async
iterator of `StreamEvent` whose first event is produced only once the request has been
checked (so a bad request is still an ordinary HTTP error).
"""

from collections.abc import AsyncIterator
from typing import Literal, Protocol

from plugstack.apis.agents.conversations import (
    AddItemsRequest,
    Conversation,
    ConversationDeleted,
    CreateConversationRequest,
    UpdateConversationRequest,
)
from plugstack.apis.agents.items import Item, ItemList
from plugstack.apis.agents.responses import (
    CreateResponseRequest,
    ResponseDeleted,
    ResponseList,
    ResponseObject,
    StreamEvent,
)

Order = Literal["asc", "desc"]


class Agents(Protocol):
    async def create_response(self, request: CreateResponseRequest) -> ResponseObject | AsyncIterator[StreamEvent]: ...

    async def get_response(self, response_id: str) -> ResponseObject: ...

    async def delete_response(self, response_id: str) -> ResponseDeleted: ...

    async def list_responses(self, after: str | None, limit: int, model: str | None, order: Order) -> ResponseList: ...

    async def list_input_items(
        self, response_id: str, after: str | None, before: str | None, limit: int, order: Order
    ) -> ItemList: ...

    async def create_conversation(self, request: CreateConversationRequest) -> Conversation: ...

    async def get_conversation(self, conversation_id: str) -> Conversation: ...

    async def update_conversation(self, conversation_id: str, request: UpdateConversationRequest) -> Conversation: ...

    async def delete_conversation(self, conversation_id: str) -> ConversationDeleted: ...

    async def add_items(self, conversation_id: str, request: AddItemsRequest) -> ItemList: ...

    async def list_items(self, conversation_id: str, after: str | None, limit: int, order: Order) -> ItemList: ...

    async def get_item(self, conversation_id: str, item_id: str) -> Item: ...

    async def delete_item(self, conversation_id: str, item_id: str) -> Conversation: ...
