"""The Responses stream's events, numbered in order (AGENTS-WIRE §2B). One writer per response."""

from typing import Any

from plugstack.apis.agents.items import FunctionCallItem, MessageItem, OutputText, Refusal
from plugstack.apis.agents.responses import ResponseObject, StreamEvent


class EventWriter:
    def __init__(self, response: ResponseObject) -> None:
        self.response = response
        self._sequence = 0

    def event(self, type_: str, **fields: Any) -> StreamEvent:
        event = StreamEvent(type=type_, sequence_number=self._sequence, **fields)
        self._sequence += 1
        return event

    def lifecycle(self, type_: str) -> StreamEvent:
        """``response.created`` / ``.in_progress`` / ``.completed`` / ``.failed`` with a snapshot."""
        return self.event(type_, response=self.response.model_copy(deep=True))

    def item_added(self, index: int, item: MessageItem | FunctionCallItem) -> StreamEvent:
        return self.event("response.output_item.added", output_index=index, item=item.model_copy(deep=True))

    def item_done(self, index: int, item: MessageItem | FunctionCallItem) -> StreamEvent:
        return self.event("response.output_item.done", output_index=index, item=item.model_copy(deep=True))

    def part(self, kind: str, index: int, item_id: str, part: OutputText | Refusal) -> StreamEvent:
        return self.event(
            f"response.content_part.{kind}",
            item_id=item_id,
            output_index=index,
            content_index=0,
            part=part.model_copy(deep=True),
        )

    def text_delta(self, index: int, item_id: str, delta: str) -> StreamEvent:
        return self.event(
            "response.output_text.delta", item_id=item_id, output_index=index, content_index=0, delta=delta, logprobs=[]
        )

    def text_done(self, index: int, item_id: str, text: str) -> StreamEvent:
        return self.event(
            "response.output_text.done", item_id=item_id, output_index=index, content_index=0, text=text, logprobs=[]
        )

    def refusal_done(self, index: int, item_id: str, refusal: str) -> StreamEvent:
        return self.event(
            "response.refusal.done", item_id=item_id, output_index=index, content_index=0, refusal=refusal
        )

    def arguments_delta(self, index: int, item_id: str, delta: str) -> StreamEvent:
        return self.event("response.function_call_arguments.delta", item_id=item_id, output_index=index, delta=delta)

    def arguments_done(self, index: int, item: FunctionCallItem) -> StreamEvent:
        return self.event(
            "response.function_call_arguments.done",
            item_id=item.id,
            output_index=index,
            name=item.name,
            arguments=item.arguments,
        )
