"""Routes each eval call to the provider that owns its benchmark."""

from typing import Any

from plugstack.apis.eval.models import EvalJob, EvaluateResponse, EvaluateRowsRequest, JobRequest, RunEvalRequest
from plugstack.registry.routing import RoutingTable


class EvalRouter:
    """Implements `Eval` by looking each benchmark up in the benchmark routing table (404 naming it)."""

    def __init__(self, benchmarks: RoutingTable) -> None:
        self._benchmarks = benchmarks

    def _provider(self, benchmark_id: str) -> Any:
        return self._benchmarks.route(benchmark_id)[1]

    async def run_eval(self, request: RunEvalRequest) -> EvalJob:
        return await self._provider(request.benchmark_id).run_eval(request)

    async def evaluate_rows(self, request: EvaluateRowsRequest) -> EvaluateResponse:
        return await self._provider(request.benchmark_id).evaluate_rows(request)

    async def job_status(self, request: JobRequest) -> EvalJob:
        return await self._provider(request.benchmark_id).job_status(request)

    async def job_cancel(self, request: JobRequest) -> None:
        await self._provider(request.benchmark_id).job_cancel(request)

    async def job_result(self, request: JobRequest) -> EvaluateResponse:
        return await self._provider(request.benchmark_id).job_result(request)
