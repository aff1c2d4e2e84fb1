"""The agents API with ownership: each agent, response and conversation is its creator's.

Sessions and turns belong to their agent: reading them needs read on the agent, creating or
deleting them update. Continuing a response needs read on it, appending to a conversation
update. With auth off every call goes straight through.
"""

from collections.abc import AsyncIterator
from typing import Any

from plugstack.access import ownership
from plugstack.access.policy import Action
from plugstack.access.principal import current_caller
from plugstack.apis.agents.conversations import (
    AddItemsRequest,
    Conversation,
    ConversationDeleted,
    CreateConversationRequest,
    UpdateConversationRequest,
)
from plugstack.apis.agents.items import Item, ItemList
from plugstack.apis.agents.protocol import Agents, Order
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
from plugstack.apis.cursor import page
from plugstack.apis.tool_runtime.models import NO_PROVIDER_DATA, ProviderData

AGENT, RESPONSE, CONVERSATION = "agent", "response", "conversation"
EVERYTHING = 1_000_000  # a list limit that returns a provider's whole list, filtered here


class OwnedAgents:
    """Implements `Agents` over the stack's agents provider, checking ownership first."""

    def __init__(self, provider: Agents) -> None:
        self._provider = provider

    # /v1alpha/agents

    async def create_agent(self, request: CreateAgentRequest) -> AgentCreated:
        await ownership.check_create(AGENT)
        created = await self._provider.create_agent(request)
        await ownership.record_created(AGENT, created.agent_id)
        return created

    async def list_agents(self, start_index: int, limit: int | None) -> PaginatedList:
        if current_caller() is None:
            return await self._provider.list_agents(start_index, limit)
        every = (await self._provider.list_agents(0, None)).data
        mine = await ownership.readable(AGENT, every, lambda agent: str(agent.get("agent_id")))
        end = len(mine) if limit is None else start_index + limit
        return PaginatedList(data=mine[start_index:end], has_more=end < len(mine))

    async def _agent(self, agent_id: str, action: Action) -> None:
        await ownership.require(AGENT, agent_id, action, lambda: self._provider.get_agent(agent_id))

    async def get_agent(self, agent_id: str) -> AgentInfo:
        await self._agent(agent_id, "read")
        return await self._provider.get_agent(agent_id)

    async def delete_agent(self, agent_id: str) -> None:
        await self._agent(agent_id, "delete")
        await self._provider.delete_agent(agent_id)
        await ownership.forget(AGENT, agent_id)

    async def create_session(self, agent_id: str, session_name: str) -> SessionCreated:
        await self._agent(agent_id, "update")
        return await self._provider.create_session(agent_id, session_name)

    async def list_sessions(self, agent_id: str, start_index: int, limit: int | None) -> PaginatedList:
        await self._agent(agent_id, "read")
        return await self._provider.list_sessions(agent_id, start_index, limit)

    async def get_session(self, agent_id: str, session_id: str, turn_ids: list[str] | None) -> Session:
        await self._agent(agent_id, "read")
        return await self._provider.get_session(agent_id, session_id, turn_ids)

    async def delete_session(self, agent_id: str, session_id: str) -> None:
        await self._agent(agent_id, "update")
        await self._provider.delete_session(agent_id, session_id)

    async def create_turn(
        self, agent_id: str, session_id: str, request: CreateTurnRequest, provider_data: ProviderData = NO_PROVIDER_DATA
    ) -> Turn | AsyncIterator[TurnStreamChunk]:
        await self._agent(agent_id, "update")
        return await self._provider.create_turn(agent_id, session_id, request, provider_data)

    async def resume_turn(
        self,
        agent_id: str,
        session_id: str,
        turn_id: str,
        request: ResumeTurnRequest,
        provider_data: ProviderData = NO_PROVIDER_DATA,
    ) -> Turn | AsyncIterator[TurnStreamChunk]:
        await self._agent(agent_id, "update")
        return await self._provider.resume_turn(agent_id, session_id, turn_id, request, provider_data)

    async def get_turn(self, agent_id: str, session_id: str, turn_id: str) -> Turn:
        await self._agent(agent_id, "read")
        return await self._provider.get_turn(agent_id, session_id, turn_id)

    async def get_step(self, agent_id: str, session_id: str, turn_id: str, step_id: str) -> StepResponse:
        await self._agent(agent_id, "read")
        return await self._provider.get_step(agent_id, session_id, turn_id, step_id)

    # /v1/responses

    async def create_response(
        self, request: CreateResponseRequest, provider_data: ProviderData = NO_PROVIDER_DATA
    ) -> ResponseObject | AsyncIterator[StreamEvent]:
        if current_caller() is None:
            return await self._provider.create_response(request, provider_data)
        await ownership.check_create(RESPONSE)
        if request.previous_response_id is not None:
            await self._response(request.previous_response_id, "read")
        if request.conversation_id is not None:
            await self._conversation(request.conversation_id, "update")
        result = await self._provider.create_response(request, provider_data)
        if isinstance(result, ResponseObject):
            await ownership.record_created(RESPONSE, result.id)
            return result
        return _recording(result)

    async def _response(self, response_id: str, action: Action) -> None:
        await ownership.require(RESPONSE, response_id, action, lambda: self._provider.get_response(response_id))

    async def get_response(self, response_id: str) -> ResponseObject:
        await self._response(response_id, "read")
        return await self._provider.get_response(response_id)

    async def delete_response(self, response_id: str) -> ResponseDeleted:
        await self._response(response_id, "delete")
        deleted = await self._provider.delete_response(response_id)
        await ownership.forget(RESPONSE, response_id)
        return deleted

    async def list_responses(self, after: str | None, limit: int, model: str | None, order: Order) -> ResponseList:
        if current_caller() is None:
            return await self._provider.list_responses(after, limit, model, order)
        every = (await self._provider.list_responses(None, EVERYTHING, model, "asc")).data
        mine = await ownership.readable(RESPONSE, every, lambda response: response.id)
        data, has_more = page(mine, lambda response: response.id, after, limit, order)
        first, last = (data[0].id, data[-1].id) if data else (None, None)
        return ResponseList(data=data, has_more=has_more, first_id=first, last_id=last)

    async def list_input_items(
        self, response_id: str, after: str | None, before: str | None, limit: int, order: Order
    ) -> ItemList:
        await self._response(response_id, "read")
        return await self._provider.list_input_items(response_id, after, before, limit, order)

    # /v1/conversations

    async def _conversation(self, conversation_id: str, action: Action) -> None:
        fetch = self._provider.get_conversation
        await ownership.require(CONVERSATION, conversation_id, action, lambda: fetch(conversation_id))

    async def create_conversation(self, request: CreateConversationRequest) -> Conversation:
        await ownership.check_create(CONVERSATION)
        conversation = await self._provider.create_conversation(request)
        await ownership.record_created(CONVERSATION, conversation.id)
        return conversation

    async def get_conversation(self, conversation_id: str) -> Conversation:
        await self._conversation(conversation_id, "read")
        return await self._provider.get_conversation(conversation_id)

    async def update_conversation(self, conversation_id: str, request: UpdateConversationRequest) -> Conversation:
        await self._conversation(conversation_id, "update")
        return await self._provider.update_conversation(conversation_id, request)

    async def delete_conversation(self, conversation_id: str) -> ConversationDeleted:
        await self._conversation(conversation_id, "delete")
        deleted = await self._provider.delete_conversation(conversation_id)
        await ownership.forget(CONVERSATION, conversation_id)
        return deleted

    async def add_items(self, conversation_id: str, request: AddItemsRequest) -> ItemList:
        await self._conversation(conversation_id, "update")
        return await self._provider.add_items(conversation_id, request)

    async def list_items(self, conversation_id: str, after: str | None, limit: int, order: Order) -> ItemList:
        await self._conversation(conversation_id, "read")
        return await self._provider.list_items(conversation_id, after, limit, order)

    async def get_item(self, conversation_id: str, item_id: str) -> Item:
        await self._conversation(conversation_id, "read")
        return await self._provider.get_item(conversation_id, item_id)

    async def delete_item(self, conversation_id: str, item_id: str) -> Conversation:
        await self._conversation(conversation_id, "update")
        return await self._provider.delete_item(conversation_id, item_id)


async def _recording(events: AsyncIterator[StreamEvent]) -> AsyncIterator[StreamEvent]:
    """The stream, recording the caller as owner of the response its first snapshot names."""
    recorded = False
    async for event in events:
        if not recorded:
            snapshot: Any = getattr(event, "response", None)
            response_id = snapshot.get("id") if isinstance(snapshot, dict) else getattr(snapshot, "id", None)
            if response_id:
                await ownership.record_created(RESPONSE, str(response_id))
                recorded = True
        yield event
