"""`inline::meta-reference` agents: the Responses and Conversations APIs over one agent loop,
their state durable in the stack's store."""

import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any

from plugstack.apis.agents.conversations import (
    AddItemsRequest,
    Conversation,
    ConversationDeleted,
    CreateConversationRequest,
    UpdateConversationRequest,
)
from plugstack.apis.agents.items import Item, ItemList, MessageItem, new_id, with_id
from plugstack.apis.agents.protocol import Order
from plugstack.apis.agents.responses import (
    ConversationRef,
    CreateResponseRequest,
    McpTool,
    ResponseDeleted,
    ResponseList,
    ResponseObject,
    StreamEvent,
    Tool,
    WebSearchTool,
)
from plugstack.apis.cursor import page
from plugstack.apis.tool_runtime.models import NO_PROVIDER_DATA, ProviderData
from plugstack.errors import BadRequestError
from plugstack.registry.routing import RoutingTable
from plugstack.storage.kv import KVStore
from plugstack_agents.loop import AgentLoop, Run, check_approvals, raise_failure
from plugstack_agents.server_tools import resolve
from plugstack_agents.store import AgentStore, StoredResponse
from plugstack_agents.turns import AgentTurns

log = logging.getLogger(__name__)


def _without_secrets(tools: list[Tool]) -> list[Tool]:
    """The request's tools as the response keeps them: an mcp tool's ``headers`` (credentials) are
    used for the run and never stored or echoed."""
    return [t.model_copy(update={"headers": None}) if isinstance(t, McpTool) and t.headers else t for t in tools]


def _item_page(items: list[Any], after: str | None, limit: int, order: Order, before: str | None = None) -> ItemList:
    data, has_more = page(items, lambda item: item.id or "", after, limit, order, before)
    return ItemList(
        data=data, has_more=has_more, first_id=data[0].id if data else None, last_id=data[-1].id if data else None
    )


class MetaReferenceAgents(AgentTurns):
    """Responses and conversations here; agents, sessions and turns (over the same loop) in
    `AgentTurns`."""

    def __init__(
        self,
        inference: Any,
        safety: Any | None,
        tool_runtime: Any | None,
        vector_io: Any | None,
        tables: Mapping[str, RoutingTable],
        kv: KVStore,
    ) -> None:
        self.loop = AgentLoop(inference, safety)
        self.safety = safety
        self.tool_runtime = tool_runtime
        self.vector_io = vector_io
        self.tables = tables
        self.store = AgentStore(kv)
        self.turn_kv = kv

    async def initialize(self) -> None:
        interrupted = await self.store.fail_interrupted()
        interrupted += await self.fail_interrupted_turns()
        if interrupted:
            log.warning("marked %d response(s) and turn(s) left in progress by the last run as failed", interrupted)
        await self.drop_transient_sessions()

    # -- responses --------------------------------------------------------------------------------

    def _check(self, request: CreateResponseRequest) -> None:
        """What the loop cannot serve is a 400 or 404 before anything runs."""
        self.tables["models"].get(request.model)  # 404 naming the model and the available ones
        for index, tool in enumerate(request.tools or []):
            if isinstance(tool, WebSearchTool):
                raise BadRequestError(
                    f"tools[{index}].type: {tool.type!r} is not served (it needs a search service); "
                    "function, mcp and file_search tools are"
                )
        input_shields, output_shields = request.shields()
        if input_shields or output_shields:
            if self.safety is None:
                raise BadRequestError("guardrails: this stack does not serve the safety API")
            for shield_id in {*input_shields, *output_shields}:
                self.tables["shields"].get(shield_id)  # 404 naming it

    async def _context(self, request: CreateResponseRequest) -> list[Item]:
        if request.previous_response_id is not None:
            previous = await self.store.response(request.previous_response_id)
            return [*previous.context, *previous.input, *previous.response.output]
        if request.conversation_id is not None:
            await self.store.conversation(request.conversation_id)
            return await self.store.items(request.conversation_id)
        return []

    async def start(self, request: CreateResponseRequest, provider_data: ProviderData = NO_PROVIDER_DATA) -> Run:
        """A checked run of the loop, stored as in progress (when the request stores);
        ``provider_data`` reaches the tool calls of the run and nothing else."""
        self._check(request)
        context = await self._context(request)
        raw_input = (
            [MessageItem(role="user", content=request.input)] if isinstance(request.input, str) else request.input
        )
        response = ResponseObject(
            id=new_id("resp"),
            model=request.model,
            instructions=request.instructions,
            max_output_tokens=request.max_output_tokens,
            parallel_tool_calls=request.parallel_tool_calls,
            previous_response_id=request.previous_response_id,
            conversation=ConversationRef(id=request.conversation_id) if request.conversation_id else None,
            temperature=request.temperature,
            top_p=request.top_p,
            tool_choice=request.tool_choice,
            tools=_without_secrets(request.tools or []),
            text=request.text,
            metadata=request.metadata or {},
            store=request.store,
        )
        server_tools, listed = await resolve(request, self.tool_runtime, self.vector_io, provider_data)
        run = Run(
            request=request,
            response=response,
            context=context,
            input=[with_id(item) for item in raw_input],
            server_tools=server_tools,
            listed=listed,
        )
        check_approvals(run)
        if request.store:
            await self.store.save_response(StoredResponse(response=response, context=context, input=run.input))
        return run

    async def create_response(
        self, request: CreateResponseRequest, provider_data: ProviderData = NO_PROVIDER_DATA
    ) -> ResponseObject | AsyncIterator[StreamEvent]:
        run = await self.start(request, provider_data)
        events = self._events(run)
        if request.stream:
            return events
        async for _ in events:
            pass
        raise_failure(run)
        return run.response

    async def _events(self, run: Run) -> AsyncIterator[StreamEvent]:
        """The loop's stream events (what else it yields is for the turns of /v1alpha/agents)."""
        async for event in self.run(run):
            if isinstance(event, StreamEvent):
                yield event

    async def run(self, run: Run) -> AsyncIterator[Any]:
        """The loop over ``run``, its outcome persisted whatever happens."""
        try:
            async for event in self.loop.run(run):
                yield event
        finally:
            await self._finish(run)

    async def _finish(self, run: Run) -> None:
        """Persist the outcome; a completed response in a conversation adds its input and output."""
        if run.request.store:
            await self.store.save_response(StoredResponse(response=run.response, context=run.context, input=run.input))
        conversation_id = run.request.conversation_id
        if conversation_id is not None and run.response.status == "completed":
            await self.store.add_items(conversation_id, [*run.input, *run.response.output])

    async def get_response(self, response_id: str) -> ResponseObject:
        return (await self.store.response(response_id)).response

    async def delete_response(self, response_id: str) -> ResponseDeleted:
        await self.store.delete_response(response_id)
        return ResponseDeleted(id=response_id)

    async def list_responses(self, after: str | None, limit: int, model: str | None, order: Order) -> ResponseList:
        responses = [s.response for s in await self.store.responses() if model in (None, s.response.model)]
        data, has_more = page(responses, lambda r: r.id, after, limit, order)
        return ResponseList(
            data=data, has_more=has_more, first_id=data[0].id if data else None, last_id=data[-1].id if data else None
        )

    async def list_input_items(
        self, response_id: str, after: str | None, before: str | None, limit: int, order: Order
    ) -> ItemList:
        stored = await self.store.response(response_id)
        return _item_page(stored.input, after, limit, order, before)

    # -- conversations ----------------------------------------------------------------------------

    async def create_conversation(self, request: CreateConversationRequest) -> Conversation:
        conversation = Conversation(id=new_id("conv"), metadata=request.metadata or {})
        await self.store.save_conversation(conversation)
        if request.items:
            await self.store.add_items(conversation.id, [with_id(item) for item in request.items])
        return conversation

    async def get_conversation(self, conversation_id: str) -> Conversation:
        return await self.store.conversation(conversation_id)

    async def update_conversation(self, conversation_id: str, request: UpdateConversationRequest) -> Conversation:
        conversation = await self.store.conversation(conversation_id)
        conversation.metadata = request.metadata
        await self.store.save_conversation(conversation)
        return conversation

    async def delete_conversation(self, conversation_id: str) -> ConversationDeleted:
        await self.store.delete_conversation(conversation_id)
        return ConversationDeleted(id=conversation_id)

    async def add_items(self, conversation_id: str, request: AddItemsRequest) -> ItemList:
        await self.store.conversation(conversation_id)
        items = [with_id(item) for item in request.items]
        await self.store.add_items(conversation_id, items)
        return _item_page(items, None, len(items), "asc")

    async def list_items(self, conversation_id: str, after: str | None, limit: int, order: Order) -> ItemList:
        await self.store.conversation(conversation_id)
        return _item_page(await self.store.items(conversation_id), after, limit, order)

    async def get_item(self, conversation_id: str, item_id: str) -> Item:
        await self.store.conversation(conversation_id)
        return await self.store.item(conversation_id, item_id)

    async def delete_item(self, conversation_id: str, item_id: str) -> Conversation:
        conversation = await self.store.conversation(conversation_id)
        await self.store.delete_item(conversation_id, item_id)
        return conversation
