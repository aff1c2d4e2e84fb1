"""/v1alpha/agents over the Responses loop: an agent is a stored config, a session a conversation,
a turn one response in it (two or more when client tools are resumed), and the turn's steps
and stream events are what the loop did, translated.

Client tools end a streamed turn with ``turn_awaiting_input``; ``resume`` answers them as
``function_call_output`` items and the same turn goes on. Sessions and turns of an agent with
``enable_session_persistence: false`` are dropped when the server starts again.
"""

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any, Literal

from pydantic import BaseModel

from plugstack.apis.agents.conversations import CreateConversationRequest
from plugstack.apis.agents.items import (
    FileSearchCallItem,
    FunctionCallItem,
    FunctionCallOutputItem,
    Item,
    McpCallItem,
    MessageItem,
    Refusal,
)
from plugstack.apis.agents.responses import (
    CreateResponseRequest,
    FunctionChoice,
    FunctionTool,
    StreamEvent,
    TextConfig,
    TextFormatJsonSchema,
)
from plugstack.apis.agents.turns import (
    AgentConfig,
    AgentCreated,
    AgentInfo,
    CompletionMessage,
    CreateAgentRequest,
    CreateTurnRequest,
    Document,
    InferenceStep,
    PaginatedList,
    ResumeTurnRequest,
    Session,
    SessionCreated,
    ShieldCallStep,
    StepResponse,
    ToolCall,
    ToolConfig,
    ToolExecutionStep,
    ToolResponse,
    ToolResponseMessage,
    Turn,
    TurnEvent,
    TurnStreamChunk,
    UserMessage,
    content_text,
    now,
)
from plugstack.apis.tool_runtime.models import NO_PROVIDER_DATA, ProviderData
from plugstack.apis.vector_io.documents import decode_data_uri, parse_document, parser_for_mime
from plugstack.errors import BadRequestError, ConflictError, NotFoundError, ProviderFailedError
from plugstack.storage.kv import KVStore
from plugstack_agents.history import search_text
from plugstack_agents.loop import DISCONNECTED, Run, ShieldChecked, raise_failure
from plugstack_agents.server_tools import resolve
from plugstack_agents.store import INTERRUPTED

log = logging.getLogger(__name__)


class SessionRecord(BaseModel):
    session_id: str  # also the id of the conversation that holds its items
    session_name: str
    agent_id: str
    started_at: Any
    persistent: bool


class TurnRecord(BaseModel):
    turn: Turn
    state: Literal["running", "awaiting_input", "completed", "failed"] = "running"
    pending: ToolExecutionStep | None = None  # client tool calls awaiting /resume

    def fail(self, reason: str) -> None:
        """End the turn with ``reason`` as its answer, so a session shows what happened."""
        self.state = "failed"
        self.turn.output_message = CompletionMessage(content=f"The turn failed: {reason}")
        self.turn.completed_at = now()


def _chunk(event_type: str, **fields: Any) -> TurnStreamChunk:
    payload = {"event_type": event_type, **fields}
    return TurnStreamChunk(event=TurnEvent(payload=json.loads(json.dumps(payload, default=_json_default))))


def _json_default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    raise TypeError(f"not JSON: {type(value).__name__}")


def _page(entries: list[dict[str, Any]], start_index: int, limit: int | None) -> PaginatedList:
    end = len(entries) if limit is None else start_index + limit
    return PaginatedList(data=entries[start_index:end], has_more=end < len(entries))


def _document_text(document: Document, index: int) -> str:
    """A document's text through the vector stores' parsers (HTML without markup, PDF pages, JSON,
    CSV rows); its content is text, text items, or a ``data:`` URI. URLs are not fetched."""
    field = f"documents[{index}]"
    parse = parser_for_mime(document.mime_type, f"{field}.mime_type")
    content = document.content
    if isinstance(content, dict) and "uri" in content and "type" not in content:
        data = decode_data_uri(str(content["uri"]), f"{field}.content.uri")
    else:
        try:
            data = content_text(content, f"{field}.content").encode()  # type: ignore[arg-type]
        except ValueError as exc:
            raise BadRequestError(str(exc)) from None
    return parse_document(parse, data, field)


def _input_items(request: CreateTurnRequest, documents: list[str]) -> list[Item]:
    """The turn's messages as Responses items; documents are appended to the last user message."""
    items: list[Item] = []
    for index, message in enumerate(request.messages):
        try:
            text = content_text(message.content, f"messages[{index}].content")
            if isinstance(message, UserMessage) and message.context is not None:
                text += "\n\n" + content_text(message.context, f"messages[{index}].context")
        except ValueError as exc:
            raise BadRequestError(str(exc)) from None
        if isinstance(message, ToolResponseMessage):
            items.append(FunctionCallOutputItem(call_id=message.call_id, output=text))
        else:
            items.append(MessageItem(role="user", content=text))
    if documents:
        users = [item for item in items if isinstance(item, MessageItem)]
        if not users:
            raise BadRequestError("documents: a turn with documents needs a user message to attach them to")
        users[-1].content = "\n\n".join([str(users[-1].content), *documents])
    return items


def _response_request(
    config: AgentConfig,
    session_id: str,
    items: list[Item],
    tool_config: ToolConfig | None,
    toolgroups: list[Any] | None,
) -> CreateResponseRequest:
    """The agent's config as a Responses request in the session's conversation."""
    tools = [
        FunctionTool(type="function", name=tool.name, description=tool.description, parameters=tool.json_schema())
        for tool in config.client_tools or []
    ]
    choice: Any = config.chosen_tool(tool_config) or "auto"
    if choice not in ("auto", "none", "required"):
        choice = FunctionChoice(type="function", name=choice)
    sampling = config.sampling_params
    temperature = top_p = None
    if sampling is not None:
        strategy = sampling.strategy
        temperature = 0.0 if strategy.type == "greedy" else strategy.temperature
        top_p = strategy.top_p if strategy.type == "top_p" else None
    text = TextConfig()
    if config.response_format is not None:
        if config.response_format.get("type") != "json_schema":
            raise BadRequestError(f"response_format.type: {config.response_format.get('type')!r} is not served here")
        schema = config.response_format.get("json_schema") or {}
        text = TextConfig(format=TextFormatJsonSchema(type="json_schema", name="response", schema=schema))
    try:
        return CreateResponseRequest(
            model=config.model,
            input=items,
            instructions=config.instructions or None,
            conversation=session_id,
            tools=tools or None,
            tool_choice=choice if tools else "auto",
            text=text,
            temperature=temperature,
            top_p=top_p,
            max_output_tokens=(sampling.max_tokens or None) if sampling else None,
            max_infer_iters=config.max_infer_iters or 10,
            toolgroups=[
                g if isinstance(g, str) else g.model_dump() for g in [*(config.toolgroups or []), *(toolgroups or [])]
            ]
            or None,
            input_guardrails=config.input_shields or None,
            output_guardrails=config.output_shields or None,
        )
    except ValueError as exc:
        raise BadRequestError(str(exc)) from None


class TurnTranslator:
    """Responses events of one run → turn steps and stream chunks, added to ``turn``: model calls
    become inference steps, server tool calls (``mcp_call`` items) tool_execution steps."""

    def __init__(self, turn: Turn) -> None:
        self.turn = turn
        self.inference: InferenceStep | None = None
        self.text: list[str] = []
        self.calls: list[ToolCall] = []  # the caller's (client tools) of the last model call
        self.executions: dict[str, ToolExecutionStep] = {}
        self.refusal: str | None = None
        self.final_text = ""  # the text of the last model call

    def _open_inference(self) -> list[TurnStreamChunk]:
        if self.inference is not None:
            return []
        self.inference = InferenceStep(
            step_id=str(uuid.uuid4()), turn_id=self.turn.turn_id, started_at=now(), model_response=CompletionMessage()
        )
        return [_chunk("step_start", step_type="inference", step_id=self.inference.step_id)]

    def _close_inference(self, calls: list[ToolCall]) -> list[TurnStreamChunk]:
        step, self.inference = self.inference, None
        if step is None:
            return []
        stop = "end_of_message" if calls else "end_of_turn"
        step.model_response = CompletionMessage(content="".join(self.text), stop_reason=stop, tool_calls=calls)
        step.completed_at = now()
        self.final_text, self.text = "".join(self.text), []
        self.turn.steps.append(step)
        return [_chunk("step_complete", step_type="inference", step_id=step.step_id, step_details=step)]

    def _progress(self, delta: dict[str, Any]) -> list[TurnStreamChunk]:
        chunks = self._open_inference()
        assert self.inference is not None
        return [*chunks, _chunk("step_progress", step_type="inference", step_id=self.inference.step_id, delta=delta)]

    def feed(self, event: Any) -> list[TurnStreamChunk]:
        if isinstance(event, ShieldChecked):
            return self._shield(event)
        if not isinstance(event, StreamEvent):
            return []
        extra = event.model_extra or {}
        if event.type == "response.output_text.delta":
            self.text.append(extra["delta"])
            return self._progress({"type": "text", "text": extra["delta"]})
        item = extra.get("item")
        if event.type == "response.output_item.added" and isinstance(item, McpCallItem | FileSearchCallItem):
            return self._start_execution(item)
        if event.type != "response.output_item.done":
            return []
        if isinstance(item, McpCallItem | FileSearchCallItem):
            return self._finish_execution(item)
        if isinstance(item, FunctionCallItem):
            call = ToolCall(call_id=item.call_id, tool_name=item.name, arguments=item.arguments)
            self.calls.append(call)
            return self._progress({"type": "tool_call", "tool_call": call, "parse_status": "succeeded"})
        if isinstance(item, MessageItem) and item.content and isinstance(item.content[0], Refusal):
            self.refusal = item.content[0].refusal
        return []

    @staticmethod
    def _call(item: McpCallItem | FileSearchCallItem) -> ToolCall:
        if isinstance(item, FileSearchCallItem):
            query = item.queries[0] if item.queries else ""
            return ToolCall(call_id=item.id or "", tool_name="file_search", arguments=json.dumps({"query": query}))
        return ToolCall(call_id=item.id or "", tool_name=item.name, arguments=item.arguments)

    def _start_execution(self, item: McpCallItem | FileSearchCallItem) -> list[TurnStreamChunk]:
        call = self._call(item)
        chunks = [*self._progress({"type": "tool_call", "tool_call": call, "parse_status": "succeeded"})]
        chunks += self._close_inference([call])
        step = ToolExecutionStep(
            step_id=str(uuid.uuid4()), turn_id=self.turn.turn_id, started_at=now(), tool_calls=[call]
        )
        self.executions[call.call_id] = step
        label = item.server_label if isinstance(item, McpCallItem) else "file_search"
        metadata = {"server_side": True, "tool_name": call.tool_name, "tool_group": label}
        return [*chunks, _chunk("step_start", step_type="tool_execution", step_id=step.step_id, metadata=metadata)]

    def _finish_execution(self, item: McpCallItem | FileSearchCallItem) -> list[TurnStreamChunk]:
        step = self.executions.pop(item.id or "")
        if isinstance(item, FileSearchCallItem):
            content = search_text(item)
        else:
            content = (item.output if item.error is None else f"error: {item.error}") or ""
        step.tool_responses = [
            ToolResponse(call_id=item.id or "", tool_name=step.tool_calls[0].tool_name, content=content)
        ]
        step.completed_at = now()
        self.turn.steps.append(step)
        return [_chunk("step_complete", step_type="tool_execution", step_id=step.step_id, step_details=step)]

    def _shield(self, checked: ShieldChecked) -> list[TurnStreamChunk]:
        # The answer's check comes inside its model call's step (its text is held back until then).
        opened = self._open_inference() if checked.touchpoint == "assistant-output" else []
        step = ShieldCallStep(
            step_id=str(uuid.uuid4()),
            turn_id=self.turn.turn_id,
            started_at=now(),
            completed_at=now(),
            violation=checked.violation,
        )
        self.turn.steps.append(step)
        metadata = {"touchpoint": checked.touchpoint}
        return [
            *opened,
            _chunk("step_start", step_type="shield_call", step_id=step.step_id, metadata=metadata),
            _chunk("step_complete", step_type="shield_call", step_id=step.step_id, step_details=step),
        ]

    def finish(self, run: Run) -> list[TurnStreamChunk]:
        """Close the last inference step; the turn's output message is what the run ended with."""
        chunks: list[TurnStreamChunk] = []
        if self.refusal is None and self.inference is None and not self.turn.steps:
            chunks += self._open_inference()  # a model call that said nothing is still a step
        calls = self.calls
        chunks += self._close_inference(calls)
        stop = "end_of_message" if calls else "end_of_turn"
        content = self.refusal if self.refusal is not None else self.final_text
        self.turn.output_message = CompletionMessage(content=content, stop_reason=stop, tool_calls=calls)
        return chunks


class AgentTurns:
    """Mixed into `MetaReferenceAgents`: uses its ``start``/``run`` of the loop, its
    conversations, routing tables and tool runtime, and keeps agents, sessions and turns in
    ``turn_kv``."""

    turn_kv: KVStore
    tables: Any
    tool_runtime: Any
    vector_io: Any

    async def fail_interrupted_turns(self) -> int:
        """Turns a previous process left running end failed, with the reason; returns how many."""
        count = 0
        for key, raw in await self.turn_kv.items("turn/"):
            record = TurnRecord.model_validate_json(raw)
            if record.state == "running":
                record.fail(INTERRUPTED)
                await self.turn_kv.set(key, record.model_dump_json())
                count += 1
        return count

    async def drop_transient_sessions(self) -> None:
        """Drop the sessions of agents that do not persist them (a restart ends them)."""
        for _, raw in await self.turn_kv.items("session/"):
            record = SessionRecord.model_validate_json(raw)
            if not record.persistent:
                await self._drop_session(record)
                log.info("dropped non-persistent session %s of agent %s", record.session_id, record.agent_id)

    # -- agents -----------------------------------------------------------------------------------

    async def create_agent(self, request: CreateAgentRequest) -> AgentCreated:
        config = request.agent_config
        names = [tool.name for tool in config.client_tools or []]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise BadRequestError(
                f"agent_config.client_tools: tool names must be unique; repeated: {', '.join(duplicates)}"
            )
        self.tables["models"].get(config.model)  # 404 naming the model
        probe = _response_request(config, "conv_probe", [MessageItem(role="user", content="")], None, None)
        await resolve(probe, self.tool_runtime, self.vector_io)  # unknown groups: 404; clashing tool names: 400
        for shield_id in [*(config.input_shields or []), *(config.output_shields or [])]:
            if "shields" not in self.tables:
                raise BadRequestError("agent_config.input_shields/output_shields: this stack serves no safety API")
            self.tables["shields"].get(shield_id)
        info = AgentInfo(agent_id=str(uuid.uuid4()), agent_config=config)
        await self.turn_kv.set(f"agent/{info.agent_id}", info.model_dump_json())
        return AgentCreated(agent_id=info.agent_id)

    async def _agent(self, agent_id: str) -> AgentInfo:
        raw = await self.turn_kv.get(f"agent/{agent_id}")
        if raw is None:
            raise NotFoundError(f"agent {agent_id!r} not found")
        return AgentInfo.model_validate_json(raw)

    async def list_agents(self, start_index: int, limit: int | None) -> PaginatedList:
        agents = sorted(
            (AgentInfo.model_validate_json(raw) for _, raw in await self.turn_kv.items("agent/")),
            key=lambda a: a.created_at,
        )
        return _page([agent.model_dump(mode="json") for agent in agents], start_index, limit)

    async def get_agent(self, agent_id: str) -> AgentInfo:
        return await self._agent(agent_id)

    async def delete_agent(self, agent_id: str) -> None:
        await self._agent(agent_id)
        for record in await self._sessions(agent_id):
            await self._drop_session(record)
        await self.turn_kv.delete(f"agent/{agent_id}")

    # -- sessions ---------------------------------------------------------------------------------

    async def create_session(self, agent_id: str, session_name: str) -> SessionCreated:
        agent = await self._agent(agent_id)
        conversation = await self.create_conversation(
            CreateConversationRequest(metadata={"agent_id": agent_id, "session_name": session_name[:512]})
        )
        record = SessionRecord(
            session_id=conversation.id,
            session_name=session_name,
            agent_id=agent_id,
            started_at=now(),
            persistent=bool(agent.agent_config.enable_session_persistence),
        )
        await self.turn_kv.set(f"session/{agent_id}/{record.session_id}", record.model_dump_json())
        return SessionCreated(session_id=record.session_id)

    async def _sessions(self, agent_id: str) -> list[SessionRecord]:
        return [SessionRecord.model_validate_json(raw) for _, raw in await self.turn_kv.items(f"session/{agent_id}/")]

    async def _session(self, agent_id: str, session_id: str) -> SessionRecord:
        await self._agent(agent_id)
        raw = await self.turn_kv.get(f"session/{agent_id}/{session_id}")
        if raw is None:
            raise NotFoundError(f"session {session_id!r} of agent {agent_id!r} not found")
        return SessionRecord.model_validate_json(raw)

    async def _turns(self, session_id: str) -> list[TurnRecord]:
        records = [TurnRecord.model_validate_json(raw) for _, raw in await self.turn_kv.items(f"turn/{session_id}/")]
        return sorted(records, key=lambda record: record.turn.started_at)

    def _session_view(self, record: SessionRecord, turns: list[Turn]) -> Session:
        return Session(
            session_id=record.session_id, session_name=record.session_name, started_at=record.started_at, turns=turns
        )

    async def list_sessions(self, agent_id: str, start_index: int, limit: int | None) -> PaginatedList:
        await self._agent(agent_id)
        records = sorted(await self._sessions(agent_id), key=lambda record: record.started_at)
        views = [self._session_view(record, []).model_dump(mode="json") for record in records]
        return _page(views, start_index, limit)

    async def get_session(self, agent_id: str, session_id: str, turn_ids: list[str] | None) -> Session:
        record = await self._session(agent_id, session_id)
        turns = [r.turn for r in await self._turns(session_id) if turn_ids is None or r.turn.turn_id in turn_ids]
        return self._session_view(record, turns)

    async def delete_session(self, agent_id: str, session_id: str) -> None:
        await self._drop_session(await self._session(agent_id, session_id))

    async def _drop_session(self, record: SessionRecord) -> None:
        for key, _ in await self.turn_kv.items(f"turn/{record.session_id}/"):
            await self.turn_kv.delete(key)
        with contextlib.suppress(NotFoundError):
            await self.delete_conversation(record.session_id)
        await self.turn_kv.delete(f"session/{record.agent_id}/{record.session_id}")

    # -- turns ------------------------------------------------------------------------------------

    async def _turn(self, agent_id: str, session_id: str, turn_id: str) -> TurnRecord:
        await self._session(agent_id, session_id)
        raw = await self.turn_kv.get(f"turn/{session_id}/{turn_id}")
        if raw is None:
            raise NotFoundError(f"turn {turn_id!r} of session {session_id!r} not found")
        return TurnRecord.model_validate_json(raw)

    async def _save(self, record: TurnRecord) -> None:
        await self.turn_kv.set(f"turn/{record.turn.session_id}/{record.turn.turn_id}", record.model_dump_json())

    async def create_turn(
        self, agent_id: str, session_id: str, request: CreateTurnRequest, provider_data: ProviderData = NO_PROVIDER_DATA
    ) -> Turn | AsyncIterator[TurnStreamChunk]:
        agent = await self._agent(agent_id)
        await self._session(agent_id, session_id)
        documents = await asyncio.to_thread(
            lambda: [_document_text(document, index) for index, document in enumerate(request.documents or [])]
        )
        items = _input_items(request, documents)
        turn = Turn(turn_id=str(uuid.uuid4()), session_id=session_id, input_messages=request.messages)
        record = TurnRecord(turn=turn)
        config = agent.agent_config
        response_request = _response_request(config, session_id, items, request.tool_config, request.toolgroups)
        run = await self.start(response_request, provider_data)
        return await self._reply(record, run, [], request.stream)

    async def resume_turn(
        self,
        agent_id: str,
        session_id: str,
        turn_id: str,
        request: ResumeTurnRequest,
        provider_data: ProviderData = NO_PROVIDER_DATA,
    ) -> Turn | AsyncIterator[TurnStreamChunk]:
        agent = await self._agent(agent_id)
        record = await self._turn(agent_id, session_id, turn_id)
        pending = record.pending
        if pending is None:
            raise ConflictError(f"turn {turn_id!r} is not waiting for tool responses")
        expected = {call.call_id for call in pending.tool_calls}
        given = [response.call_id for response in request.tool_responses]
        if sorted(given) != sorted(expected):
            raise BadRequestError(
                f"tool_responses: answer exactly the pending calls {sorted(expected)}, not {sorted(given)}"
            )
        outputs: list[Item] = []
        for index, response in enumerate(request.tool_responses):
            try:
                text = content_text(response.content, f"tool_responses[{index}].content")
            except ValueError as exc:
                raise BadRequestError(str(exc)) from None
            outputs.append(FunctionCallOutputItem(call_id=response.call_id, output=text))
        pending.tool_responses = request.tool_responses
        pending.completed_at = now()
        record.turn.steps.append(pending)
        record.pending = None
        first = [_chunk("step_complete", step_type="tool_execution", step_id=pending.step_id, step_details=pending)]
        run = await self.start(_response_request(agent.agent_config, session_id, outputs, None, None), provider_data)
        return await self._reply(record, run, first, request.stream)

    async def _reply(
        self, record: TurnRecord, run: Run, first: list[TurnStreamChunk], stream: bool
    ) -> Turn | AsyncIterator[TurnStreamChunk]:
        chunks = self._stream(record, run, first)
        if stream:
            return chunks
        async for _ in chunks:
            pass
        raise_failure(run)
        return record.turn

    async def _stream(
        self, record: TurnRecord, run: Run, first: list[TurnStreamChunk]
    ) -> AsyncIterator[TurnStreamChunk]:
        record.state = "running"
        await self._save(record)  # a server killed from here on leaves a turn marked failed on restart
        for chunk in first:
            yield chunk
        translator = TurnTranslator(record.turn)
        try:
            async for event in self.run(run):
                for chunk in translator.feed(event):
                    yield chunk
        except (asyncio.CancelledError, GeneratorExit):
            record.fail(DISCONNECTED)
            await self._save(record)
            raise
        if run.response.status != "completed":
            record.fail(run.response.error.message if run.response.error else "the response did not complete")
            await self._save(record)
            raise_failure(run)
            raise ProviderFailedError(str(record.turn.output_message.content))
        for chunk in translator.finish(run):
            yield chunk
        turn = record.turn
        if translator.calls:
            record.state = "awaiting_input"
            record.pending = ToolExecutionStep(
                step_id=str(uuid.uuid4()), turn_id=turn.turn_id, started_at=now(), tool_calls=translator.calls
            )
            await self._save(record)
            yield _chunk("turn_awaiting_input", turn=turn)
            return
        record.state = "completed"
        turn.completed_at = now()
        await self._save(record)
        yield _chunk("turn_complete", turn=turn)

    async def get_turn(self, agent_id: str, session_id: str, turn_id: str) -> Turn:
        return (await self._turn(agent_id, session_id, turn_id)).turn

    async def get_step(self, agent_id: str, session_id: str, turn_id: str, step_id: str) -> StepResponse:
        record = await self._turn(agent_id, session_id, turn_id)
        steps = [*record.turn.steps, *([record.pending] if record.pending else [])]
        for step in steps:
            if step.step_id == step_id:
                return StepResponse(step=step)
        raise NotFoundError(f"step {step_id!r} of turn {turn_id!r} not found")
