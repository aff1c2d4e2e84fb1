"""HTTP routes of the agents API: /v1/responses and /v1/conversations."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from plugstack.apis.agents.conversations import (
    AddItemsRequest,
    Conversation,
    ConversationDeleted,
    CreateConversationRequest,
    UpdateConversationRequest,
)
from plugstack.apis.agents.items import Item, ItemList
from plugstack.apis.agents.protocol import Agents, Order
from plugstack.apis.agents.responses import CreateResponseRequest, ResponseDeleted, ResponseList, ResponseObject
from plugstack.server.sse import sse_response

Limit = Annotated[int, Query(ge=1, le=100)]


def create_router(impl: Agents) -> APIRouter:
    router = APIRouter(tags=["agents"])

    @router.post(
        "/v1/responses",
        response_model=ResponseObject,
        summary="Create a response (the agent loop); SSE of response.* events with stream: true",
    )
    async def create_response(body: CreateResponseRequest, http: Request) -> Any:
        result = await impl.create_response(body)
        if isinstance(result, ResponseObject):
            return result
        # No [DONE]: llama-stack-client JSON-decodes every event, and the openai client needs none.
        return await sse_response(result, http.url.path, done_sentinel=False)

    @router.get("/v1/responses", response_model=ResponseList, summary="List stored responses")
    async def list_responses(
        after: str | None = None, limit: Limit = 50, model: str | None = None, order: Order = "desc"
    ) -> ResponseList:
        return await impl.list_responses(after, limit, model, order)

    @router.get("/v1/responses/{response_id}", response_model=ResponseObject, summary="Get a stored response")
    async def get_response(response_id: str) -> ResponseObject:
        return await impl.get_response(response_id)

    @router.delete("/v1/responses/{response_id}", response_model=ResponseDeleted, summary="Delete a response")
    async def delete_response(response_id: str) -> ResponseDeleted:
        return await impl.delete_response(response_id)

    @router.get("/v1/responses/{response_id}/input_items", response_model=ItemList, summary="A response's input")
    async def list_input_items(
        response_id: str,
        after: str | None = None,
        before: str | None = None,
        limit: Limit = 20,
        order: Order = "desc",
        include: Annotated[list[str] | None, Query()] = None,
    ) -> ItemList:
        return await impl.list_input_items(response_id, after, before, limit, order)

    @router.post("/v1/conversations", response_model=Conversation, summary="Create a conversation")
    async def create_conversation(body: CreateConversationRequest) -> Conversation:
        return await impl.create_conversation(body)

    @router.get("/v1/conversations/{conversation_id}", response_model=Conversation, summary="Get a conversation")
    async def get_conversation(conversation_id: str) -> Conversation:
        return await impl.get_conversation(conversation_id)

    @router.post("/v1/conversations/{conversation_id}", response_model=Conversation, summary="Update its metadata")
    async def update_conversation(conversation_id: str, body: UpdateConversationRequest) -> Conversation:
        return await impl.update_conversation(conversation_id, body)

    @router.delete(
        "/v1/conversations/{conversation_id}", response_model=ConversationDeleted, summary="Delete a conversation"
    )
    async def delete_conversation(conversation_id: str) -> ConversationDeleted:
        return await impl.delete_conversation(conversation_id)

    @router.post("/v1/conversations/{conversation_id}/items", response_model=ItemList, summary="Add items")
    async def add_items(conversation_id: str, body: AddItemsRequest) -> ItemList:
        return await impl.add_items(conversation_id, body)

    @router.get("/v1/conversations/{conversation_id}/items", response_model=ItemList, summary="List items")
    async def list_items(
        conversation_id: str,
        after: str | None = None,
        limit: Limit = 20,
        order: Order = "desc",
        include: Annotated[list[str] | None, Query()] = None,
    ) -> ItemList:
        return await impl.list_items(conversation_id, after, limit, order)

    @router.get("/v1/conversations/{conversation_id}/items/{item_id}", response_model=Item, summary="Get an item")
    async def get_item(conversation_id: str, item_id: str) -> Any:
        return await impl.get_item(conversation_id, item_id)

    @router.delete(
        "/v1/conversations/{conversation_id}/items/{item_id}", response_model=Conversation, summary="Delete an item"
    )
    async def delete_item(conversation_id: str, item_id: str) -> Conversation:
        return await impl.delete_item(conversation_id, item_id)

    return router
