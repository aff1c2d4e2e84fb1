"""What the agents API serves. One provider implements it all (/v1alpha/agents, Responses,
Conversations) on one agent loop; the router hands every call to it.

``create_response`` returns the finished `ResponseObject`, or for ``stream: true`` an async
iterator of `StreamEvent` whose first event is produced only once the request has been
checked (so a bad request is still an ordinary HTTP error).

``provider_data`` (the request's ``X-LlamaStack-Provider-Data``) carries per-request credentials
for the tool calls the loop makes (``mcp_headers``); it lives as long as the request's run and is
never stored.
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
from plugstack.apis.agents.turns import (
    AgentCreated,
    AgentInfo,
    CreateAgentRequest,
    CreateTurnRequest,
    PaginatedList,
    ResumeTurnRequest,
    Session,
    SessionCreated,
    StepResponse,
    Turn,
    TurnStreamChunk,
)
from plugstack.apis.tool_runtime.models import NO_PROVIDER_DATA, ProviderData

Order = Literal["asc", "desc"]


class Agents(Protocol):
    # /v1alpha/agents: the seed spec's agents, sessions and turns, on the same loop.
    async def create_agent(self, request: CreateAgentRequest) -> AgentCreated: ...

    async def list_agents(self, start_index: int, limit: int | None) -> PaginatedList: ...

    async def get_agent(self, agent_id: str) -> AgentInfo: ...

    async def delete_agent(self, agent_id: str) -> None: ...

    async def create_session(self, agent_id: str, session_name: str) -> SessionCreated: ...

    async def list_sessions(self, agent_id: str, start_index: int, limit: int | None) -> PaginatedList: ...

    async def get_session(self, agent_id: str, session_id: str, turn_ids: list[str] | None) -> Session: ...

    async def delete_session(self, agent_id: str, session_id: str) -> None: ...

    async def create_turn(
        self, agent_id: str, session_id: str, request: CreateTurnRequest, provider_data: ProviderData = NO_PROVIDER_DATA
    ) -> Turn | AsyncIterator[TurnStreamChunk]: ...

    async def resume_turn(
        self,
        agent_id: str,
        session_id: str,
        turn_id: str,
        request: ResumeTurnRequest,
        provider_data: ProviderData = NO_PROVIDER_DATA,
    ) -> Turn | AsyncIterator[TurnStreamChunk]: ...

    async def get_turn(self, agent_id: str, session_id: str, turn_id: str) -> Turn: ...

    async def get_step(self, agent_id: str, session_id: str, turn_id: str, step_id: str) -> StepResponse: ...

    # /v1/responses and /v1/conversations
    async def create_response(
        self, request: CreateResponseRequest, provider_data: ProviderData = NO_PROVIDER_DATA
    ) -> ResponseObject | AsyncIterator[StreamEvent]: ...

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
