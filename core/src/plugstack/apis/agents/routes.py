"""HTTP routes of the agents API: /v1/responses and /v1/conversations.

The requests that run the loop (a response, a turn, a resume) take the caller's
``X-LlamaStack-Provider-Data`` (``mcp_headers``) for the tool calls made inside them; it is
handed to the provider per request, never stored.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

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
from plugstack.apis.agents.turns import (
    AgentCreated,
    AgentInfo,
    CreateAgentRequest,
    CreateSessionRequest,
    CreateTurnRequest,
    PaginatedList,
    ResumeTurnRequest,
    Session,
    SessionCreated,
    StepResponse,
    Turn,
)
from plugstack.apis.tool_runtime.routes import Credentials
from plugstack.errors import BadRequestError
from plugstack.server.sse import sse_response

Limit = Annotated[int, Query(ge=1, le=100)]


def create_router(impl: Agents) -> APIRouter:
    router = APIRouter(tags=["agents"])
    _add_alpha_routes(router, impl)

    @router.post(
        "/v1/responses",
        response_model=ResponseObject,
        summary="Create a response (the agent loop); SSE of response.* events with stream: true",
    )
    async def create_response(body: CreateResponseRequest, http: Request, provider_data: Credentials) -> Any:
        result = await impl.create_response(body, provider_data)
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


def _add_alpha_routes(router: APIRouter, impl: Agents) -> None:
    base = "/v1alpha/agents"
    session_path = base + "/{agent_id}/session/{session_id}"

    async def turn_reply(result: Any, http: Request) -> Any:
        if isinstance(result, Turn):
            return result
        return await sse_response(result, http.url.path, done_sentinel=False)

    @router.post(base, response_model=AgentCreated, summary="Create an agent")
    async def create_agent(body: CreateAgentRequest) -> AgentCreated:
        return await impl.create_agent(body)

    @router.get(base, response_model=PaginatedList, summary="List agents")
    async def list_agents(start_index: Annotated[int, Query(ge=0)] = 0, limit: Limit | None = None) -> PaginatedList:
        return await impl.list_agents(start_index, limit)

    @router.get(base + "/{agent_id}", response_model=AgentInfo, summary="Get an agent")
    async def get_agent(agent_id: str) -> AgentInfo:
        return await impl.get_agent(agent_id)

    @router.delete(base + "/{agent_id}", status_code=204, summary="Delete an agent and its sessions")
    async def delete_agent(agent_id: str) -> Response:
        await impl.delete_agent(agent_id)
        return Response(status_code=204)

    @router.post(base + "/{agent_id}/session", response_model=SessionCreated, summary="Create a session")
    async def create_session(
        agent_id: str, body: CreateSessionRequest | None = None, session_name: str | None = None
    ) -> SessionCreated:
        name = body.session_name if body is not None else session_name
        if not name:
            raise BadRequestError("session_name: give it in the body (or as a query parameter)")
        return await impl.create_session(agent_id, name)

    @router.get(base + "/{agent_id}/sessions", response_model=PaginatedList, summary="List an agent's sessions")
    async def list_sessions(
        agent_id: str, start_index: Annotated[int, Query(ge=0)] = 0, limit: Limit | None = None
    ) -> PaginatedList:
        return await impl.list_sessions(agent_id, start_index, limit)

    @router.get(session_path, response_model=Session, summary="Get a session with its turns")
    async def get_session(agent_id: str, session_id: str, turn_ids: str | None = None) -> Session:
        wanted = [turn_id for turn_id in turn_ids.split(",") if turn_id] if turn_ids else None
        return await impl.get_session(agent_id, session_id, wanted)

    @router.delete(session_path, status_code=204, summary="Delete a session")
    async def delete_session(agent_id: str, session_id: str) -> Response:
        await impl.delete_session(agent_id, session_id)
        return Response(status_code=204)

    @router.post(session_path + "/turn", response_model=Turn, summary="Run a turn; SSE of turn events if stream")
    async def create_turn(
        agent_id: str,
        session_id: str,
        body: CreateTurnRequest,
        http: Request,
        provider_data: Credentials,
        stream: bool | None = None,
    ) -> Any:
        request = body.model_copy(update={"stream": body.stream or bool(stream)})
        return await turn_reply(await impl.create_turn(agent_id, session_id, request, provider_data), http)

    @router.get(session_path + "/turn/{turn_id}", response_model=Turn, summary="Get a turn")
    async def get_turn(agent_id: str, session_id: str, turn_id: str) -> Turn:
        return await impl.get_turn(agent_id, session_id, turn_id)

    @router.post(
        session_path + "/turn/{turn_id}/resume", response_model=Turn, summary="Resume a turn with tool results"
    )
    async def resume_turn(
        agent_id: str,
        session_id: str,
        turn_id: str,
        body: ResumeTurnRequest,
        http: Request,
        provider_data: Credentials,
        stream: bool | None = None,
    ) -> Any:
        request = body.model_copy(update={"stream": body.stream or bool(stream)})
        result = await impl.resume_turn(agent_id, session_id, turn_id, request, provider_data)
        return await turn_reply(result, http)

    @router.get(session_path + "/turn/{turn_id}/step/{step_id}", response_model=StepResponse, summary="Get a step")
    async def get_step(agent_id: str, session_id: str, turn_id: str, step_id: str) -> StepResponse:
        return await impl.get_step(agent_id, session_id, turn_id, step_id)
