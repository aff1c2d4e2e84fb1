"""The agent loop: model call → output items → tool calls → next model call, with the stop
conditions in one place. It produces the Responses stream's events; a non-streamed response is
the same run with the events drained, so both behave alike.

Server-side tools (an MCP server's, a registered tool group's) run here between model calls, as
``mcp_call`` items, up to ``max_infer_iters`` model calls; then the response completes with what
it has. Function tools are the caller's: a call ends the response (``function_call`` items), and
the caller answers with ``function_call_output`` items in its next request. A call of an ``mcp``
tool that requires approval ends the response the same way (an ``mcp_approval_request`` item);
the next request's ``mcp_approval_response`` runs it (approved) or tells the model it was denied.
Guardrail shields check the input before the first model call and the answer before it is sent (an answer under output
guardrails is held back until checked, then sent whole or replaced by a refusal).
"""

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any, Literal

from plugstack.apis.agents.items import (
    FileSearchCallItem,
    FunctionCallItem,
    Item,
    McpApprovalRequestItem,
    McpApprovalResponseItem,
    McpCallItem,
    McpListToolsItem,
    MessageItem,
    OutputText,
    Refusal,
    new_id,
)
from plugstack.apis.agents.responses import CreateResponseRequest, ResponseError, ResponseObject, ResponseUsage
from plugstack.apis.inference.models import ChatCompletionRequest, ChatMessage, StreamOptions
from plugstack.apis.safety.models import SafetyViolation
from plugstack.errors import BadRequestError, PlugstackError, ProviderFailedError
from plugstack_agents.events import EventWriter
from plugstack_agents.history import chat_messages, chat_tool_choice, chat_tools, response_format

log = logging.getLogger(__name__)

REFUSAL = "I can't help with that."
DISCONNECTED = "the client disconnected before the response finished"


def result_text(content: Any) -> str:
    """A tool result's content as the text the model reads (images and the like as JSON)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else [content]
    texts = []
    for part in parts:
        text = getattr(part, "text", None)
        texts.append(text if text is not None else json.dumps(part.model_dump(mode="json")))
    return "\n".join(texts)


@dataclass(frozen=True)
class ServerTool:
    """A tool the loop runs itself (an MCP server's, a registered tool group's, file search)."""

    name: str
    description: str | None
    parameters: dict[str, Any]
    label: str  # the mcp tool's server_label, or the tool group's id
    invoke: Callable[[dict[str, Any]], Awaitable[Any]]  # kwargs -> ToolInvocationResult | [FileSearchResult]
    kind: Literal["mcp_call", "file_search_call"] = "mcp_call"  # the output item its calls become
    needs_approval: bool = False  # an mcp tool's require_approval: its calls wait for the caller's yes


@dataclass
class Run:
    """One response being produced: its request, what came before, and what happened."""

    request: CreateResponseRequest
    response: ResponseObject
    context: list[Item]
    input: list[Item]
    server_tools: dict[str, ServerTool] = field(default_factory=dict)
    listed: list[McpListToolsItem] = field(default_factory=list)
    failure: BaseException | None = None
    refused: bool = False
    usage: ResponseUsage = field(default_factory=ResponseUsage)


def raise_failure(run: Run) -> None:
    """A non-streamed run that failed is an HTTP error (its exception, or a 502)."""
    if run.failure is None:
        return
    if isinstance(run.failure, PlugstackError):
        raise run.failure
    raise ProviderFailedError(f"{type(run.failure).__name__}: {run.failure}") from run.failure


def check_approvals(run: Run) -> None:
    """Each ``mcp_approval_response`` answers an approval request of an earlier response, and an
    approved call's tool is offered again by this request; a 400 names what does not fit."""
    asked = {item.id: item for item in run.context if isinstance(item, McpApprovalRequestItem)}
    for index, item in enumerate(run.input):
        if not isinstance(item, McpApprovalResponseItem):
            continue
        request = asked.get(item.approval_request_id)
        if request is None:
            raise BadRequestError(
                f"input[{index}].approval_request_id: {item.approval_request_id!r} is not an mcp_approval_request "
                "of the previous response (continue it with previous_response_id or its conversation)"
            )
        tool = run.server_tools.get(request.name)
        if item.approve and (tool is None or tool.label != request.server_label):
            raise BadRequestError(
                f"input[{index}]: the approved call is of {request.name!r} on {request.server_label!r}, which this "
                "request's tools do not offer; send the same mcp tool again"
            )


@dataclass(frozen=True)
class ShieldChecked:
    """Not a stream event: tells a caller of the loop (the turns of /v1alpha/agents) that shields
    ran, at ``touchpoint`` (user-input or assistant-output), and what they found."""

    touchpoint: str
    violation: SafetyViolation | None


@dataclass
class PendingCall:
    call_id: str = ""
    name: str = ""
    arguments: str = ""


class AgentLoop:
    def __init__(self, inference: Any, safety: Any | None) -> None:
        self.inference = inference
        self.safety = safety

    async def _check(self, shields: list[str], messages: list[ChatMessage]) -> SafetyViolation | None:
        """The first error-level violation any shield finds (warn and info let the answer through)."""
        violations = await asyncio.gather(*(self.safety.check(shield, messages, {}) for shield in shields))
        return next((v for v in violations if v is not None and v.violation_level == "error"), None)

    async def run(self, run: Run) -> AsyncIterator[Any]:
        events = EventWriter(run.response)
        yield events.lifecycle("response.created")
        yield events.lifecycle("response.in_progress")
        try:
            async for event in self._steps(run, events):
                yield event
            run.response.status = "completed"
            run.response.usage = run.usage
            yield events.lifecycle("response.completed")
        except (asyncio.CancelledError, GeneratorExit):
            self._fail(run, "client_disconnected", DISCONNECTED)
            raise
        except Exception as exc:
            run.failure = exc
            message = exc.detail if isinstance(exc, PlugstackError) else f"{type(exc).__name__}: {exc}"
            if not isinstance(exc, PlugstackError):
                log.exception("response %s failed", run.response.id)
            self._fail(run, "server_error", message)
            yield events.lifecycle("response.failed")

    @staticmethod
    def _fail(run: Run, code: str, message: str) -> None:
        run.response.status = "failed"
        run.response.error = ResponseError(code=code, message=message)
        run.response.usage = run.usage

    async def _steps(self, run: Run, events: EventWriter) -> AsyncIterator[Any]:
        request = run.request
        input_shields, output_shields = request.shields()
        if input_shields:
            violation = await self._check(input_shields, chat_messages(None, run.input))
            yield ShieldChecked("user-input", violation)
            if violation is not None:
                for event in self._refuse(run, events, violation.user_message or REFUSAL):
                    yield event
                return
        for listed in run.listed:
            index = len(run.response.output)
            run.response.output.append(listed)
            yield events.item_added(index, listed)
            yield events.item_done(index, listed)
        items = [*run.context, *run.input]
        async for event in self._run_approved(run, events, items):
            yield event
        tools = chat_tools(request, list(run.server_tools.values()))
        for _ in range(request.max_infer_iters):
            calls: list[PendingCall] = []
            async for event in self._infer(run, events, items, tools, output_shields, calls):
                yield event
            if run.refused:
                return
            client = [call for call in calls if call.name not in run.server_tools]
            held = False
            for call in calls:
                tool = run.server_tools.get(call.name)
                if tool is not None and tool.needs_approval:
                    held = True
                    for event in self._ask_approval(run, events, call, tool):
                        yield event
                elif tool is not None:
                    async for event in self._run_server_tool(run, events, call, items):
                        yield event
            # Function tools run on the caller's side: their calls end the response, and the
            # caller answers with function_call_output items in its next request.
            for call in client:
                for event in self._add_call(run, events, call):
                    yield event
            if client or held or not calls:
                return
        # max_infer_iters reached: the response completes with what it has.

    async def _infer(
        self,
        run: Run,
        events: EventWriter,
        items: list[Item],
        tools: Any,
        output_shields: list[str],
        calls: list[PendingCall],
    ) -> AsyncIterator[Any]:
        """One model call: its text streamed as a message item (held back under output shields),
        its tool calls collected into ``calls``."""
        request = run.request
        chat = ChatCompletionRequest(
            model=request.model,
            messages=chat_messages(request.instructions, items),
            tools=tools,
            tool_choice=chat_tool_choice(request, items, offered=tools is not None),
            parallel_tool_calls=request.parallel_tool_calls if tools else None,
            response_format=response_format(request),
            temperature=request.temperature,
            top_p=request.top_p,
            max_tokens=request.max_output_tokens,
            stream=True,
            stream_options=StreamOptions(include_usage=True),
        )
        text_parts: list[str] = []
        by_index: dict[int, PendingCall] = {}
        message: MessageItem | None = None
        held = bool(output_shields)  # text under output guardrails waits for its check
        chunks = await self.inference.chat_completion(chat)
        async with aclosing(chunks):
            async for chunk in chunks:
                if chunk.usage is not None:
                    run.usage.add(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
                for choice in chunk.choices[:1]:
                    if choice.delta.content:
                        text_parts.append(choice.delta.content)
                        if not held:
                            if message is None:
                                message = self._new_message()
                                for event in self._open_message(run, events, message):
                                    yield event
                            index = run.response.output.index(message)
                            yield events.text_delta(index, message.id or "", choice.delta.content)
                    for call in choice.delta.tool_calls or []:
                        pending = by_index.setdefault(call.index, PendingCall())
                        pending.call_id = call.id or pending.call_id
                        if call.function is not None:
                            pending.name += call.function.name or ""
                            pending.arguments += call.function.arguments or ""
        calls.extend(by_index.values())
        text = "".join(text_parts)
        if held and text:
            answer = [*chat_messages(None, run.input), ChatMessage(role="assistant", content=text)]
            violation = await self._check(output_shields, answer)
            yield ShieldChecked("assistant-output", violation)
            if violation is not None:
                run.refused = True
                for event in self._refuse(run, events, violation.user_message or REFUSAL):
                    yield event
                return
            message = self._new_message()
            for event in self._open_message(run, events, message):
                yield event
            yield events.text_delta(run.response.output.index(message), message.id or "", text)
        if message is not None:
            for event in self._close_message(run, events, message, text):
                yield event
            items.append(message)

    async def _run_approved(self, run: Run, events: EventWriter, items: list[Item]) -> AsyncIterator[Any]:
        """The calls the caller approved (``mcp_approval_response`` input items), run before the
        next model call; a denial is left to the history, where the model reads it."""
        asked = {item.id: item for item in run.context if isinstance(item, McpApprovalRequestItem)}
        for answer in run.input:
            if isinstance(answer, McpApprovalResponseItem) and answer.approve:
                request = asked[answer.approval_request_id]  # checked by check_approvals
                call = PendingCall(call_id=request.id or "", name=request.name, arguments=request.arguments)
                async for event in self._run_server_tool(run, events, call, items, approval=request.id):
                    yield event

    @staticmethod
    def _ask_approval(run: Run, events: EventWriter, call: PendingCall, tool: ServerTool) -> list[Any]:
        item = McpApprovalRequestItem(
            id=new_id("mcpr"), server_label=tool.label, name=call.name, arguments=call.arguments or "{}"
        )
        index = len(run.response.output)
        run.response.output.append(item)
        return [events.item_added(index, item), events.item_done(index, item)]

    async def _run_server_tool(
        self, run: Run, events: EventWriter, call: PendingCall, items: list[Item], approval: str | None = None
    ) -> AsyncIterator[Any]:
        tool = run.server_tools[call.name]
        arguments = call.arguments or "{}"
        try:
            kwargs = json.loads(arguments)
            problem = None if isinstance(kwargs, dict) else "the arguments are not a JSON object"
        except json.JSONDecodeError as exc:
            kwargs, problem = None, f"the arguments are not JSON: {exc}"
        item: McpCallItem | FileSearchCallItem
        if tool.kind == "file_search_call":
            query = str(kwargs.get("query", "")) if isinstance(kwargs, dict) else ""
            item = FileSearchCallItem(id=new_id("fs"), queries=[query], status="in_progress")
        else:
            item = McpCallItem(
                id=new_id("mcp"),
                server_label=tool.label,
                name=call.name,
                arguments=arguments,
                status="in_progress",
                approval_request_id=approval,
            )
        index = len(run.response.output)
        run.response.output.append(item)
        yield events.item_added(index, item)
        if isinstance(item, FileSearchCallItem):
            item.results = await tool.invoke(kwargs) if problem is None and item.queries[0] else []
            item.status = "completed" if problem is None else "failed"
        else:
            if problem is None:
                result = await tool.invoke(kwargs)
                item.output, item.error = result_text(result.content), result.error_message
            else:
                item.error = problem
            item.status = "completed" if item.error is None else "failed"
        yield events.item_done(index, item)
        items.append(item)

    @staticmethod
    def _new_message() -> MessageItem:
        return MessageItem(id=new_id("msg"), role="assistant", content=[], status="in_progress")

    @staticmethod
    def _add_call(run: Run, events: EventWriter, pending: PendingCall) -> list[Any]:
        item = FunctionCallItem(
            id=new_id("fc"),
            call_id=pending.call_id or new_id("call"),
            name=pending.name,
            arguments=pending.arguments or "{}",
            status="completed",
        )
        index = len(run.response.output)
        run.response.output.append(item)
        return [
            events.item_added(index, item.model_copy(update={"arguments": "", "status": "in_progress"})),
            events.arguments_delta(index, item.id or "", item.arguments),
            events.arguments_done(index, item),
            events.item_done(index, item),
        ]

    @staticmethod
    def _open_message(run: Run, events: EventWriter, message: MessageItem) -> list[Any]:
        index = len(run.response.output)
        run.response.output.append(message)
        return [
            events.item_added(index, message),
            events.part("added", index, message.id or "", OutputText(text="")),
        ]

    @staticmethod
    def _close_message(run: Run, events: EventWriter, message: MessageItem, text: str) -> list[Any]:
        index = run.response.output.index(message)
        part = OutputText(text=text)
        message.content = [part]
        message.status = "completed"
        return [
            events.text_done(index, message.id or "", text),
            events.part("done", index, message.id or "", part),
            events.item_done(index, message),
        ]

    @staticmethod
    def _refuse(run: Run, events: EventWriter, refusal: str) -> list[Any]:
        run.refused = True
        message = MessageItem(
            id=new_id("msg"), role="assistant", content=[Refusal(refusal=refusal)], status="completed"
        )
        index = len(run.response.output)
        run.response.output.append(message)
        part = Refusal(refusal=refusal)
        return [
            events.item_added(index, message),
            events.part("added", index, message.id or "", part),
            events.refusal_done(index, message.id or "", refusal),
            events.part("done", index, message.id or "", part),
            events.item_done(index, message),
        ]
