"""A benchmark run on a Ray cluster (``jobs.runner: ray``): the job's child process there.

It runs the same evaluation as a job in the server (`plugstack_eval.evaluation`), as a client of
the stack's HTTP API: rows from datasetio, answers from the chat completions route, scores from
the scoring route, as the principal that submitted it (its job token). The models stay where
the stack serves them; the job itself lives on the cluster, so it outlives a server restart:
calls wait for a server to answer again (`plugstack.jobs.stack_client`), and the restarted
server adopts the job.
"""

import asyncio
from typing import Any, TypeVar

from pydantic import BaseModel

from plugstack.apis.datasetio.models import IterRowsRequest, PaginatedResponse
from plugstack.apis.eval.models import BenchmarkConfig, ModelCandidate
from plugstack.apis.inference.models import ChatCompletion, ChatCompletionRequest
from plugstack.apis.scoring.models import ScoreRequest, ScoreResponse
from plugstack.jobs.child import JobReporter
from plugstack.jobs.stack_client import StackClient
from plugstack_eval.evaluation import run_benchmark

Answer = TypeVar("Answer", bound=BaseModel)


async def _post(stack: StackClient, path: str, request: BaseModel, answer: type[Answer]) -> Answer:
    return answer.model_validate(await stack.post(path, request.model_dump(mode="json", exclude_none=True)))


class _Inference:
    def __init__(self, stack: StackClient) -> None:
        self._stack = stack

    async def chat_completion(self, request: ChatCompletionRequest) -> ChatCompletion:
        return await _post(self._stack, "/v1/chat/completions", request, ChatCompletion)


class _Scoring:
    def __init__(self, stack: StackClient) -> None:
        self._stack = stack

    async def score(self, request: ScoreRequest) -> ScoreResponse:
        return await _post(self._stack, "/v1/scoring/score", request, ScoreResponse)


class _DatasetIO:
    def __init__(self, stack: StackClient) -> None:
        self._stack = stack

    async def iterrows(self, request: IterRowsRequest) -> PaginatedResponse:
        query = request.model_dump(exclude={"dataset_id"}, exclude_none=True)
        page = await self._stack.get(f"/v1beta/datasetio/iterrows/{request.dataset_id}", query)
        return PaginatedResponse.model_validate(page)


class _AsyncReporter:
    """The child's reporter, awaitable like a server task's."""

    def __init__(self, reporter: JobReporter) -> None:
        self._reporter = reporter

    async def progress(self, **fields: Any) -> None:
        self._reporter.progress(**fields)

    async def log(self, line: str) -> None:
        self._reporter.log(line)


def run(params: dict[str, Any], reporter: JobReporter) -> dict[str, Any]:
    return asyncio.run(_run(params, reporter))


async def _run(params: dict[str, Any], reporter: JobReporter) -> dict[str, Any]:
    config = BenchmarkConfig.model_validate(params["benchmark_config"])
    candidate = config.eval_candidate
    assert isinstance(candidate, ModelCandidate)  # agent candidates run in the server
    functions = ScoreRequest(input_rows=[], scoring_functions=params["scoring_functions"]).scoring_functions
    stack = params["stack"]
    async with StackClient(stack["url"], stack["token"]) as client:
        reporter.log(f"on the Ray cluster, calling the stack at {stack['url']}")
        return await run_benchmark(
            params["dataset_id"],
            config.num_examples,
            candidate,
            functions,
            datasetio=_DatasetIO(client),
            inference=_Inference(client),
            scoring=_Scoring(client),
            agents=None,
            max_concurrency=params["max_concurrency"],
            reporter=_AsyncReporter(reporter),
        )
