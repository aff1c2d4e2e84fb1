"""HTTP routes of the eval API: one route per Protocol method, one request model each.

They are mounted before the benchmark table's routes, so ``.../{id}/jobs/{job_id}`` is
matched here and not taken for a benchmark id containing slashes.
"""

from fastapi import APIRouter, Response

from plugstack.apis.eval.models import (
    EvalJob,
    EvaluateResponse,
    EvaluateRowsBody,
    EvaluateRowsRequest,
    JobRequest,
    RunEvalBody,
    RunEvalRequest,
)
from plugstack.apis.eval.protocol import Eval

PREFIX = "/v1alpha/eval/benchmarks/{benchmark_id:path}"


def create_router(impl: Eval) -> APIRouter:
    router = APIRouter(tags=["eval"])

    @router.post(f"{PREFIX}/evaluations", response_model=EvaluateResponse, summary="Evaluate a list of rows")
    async def evaluate_rows(benchmark_id: str, body: EvaluateRowsBody) -> EvaluateResponse:
        return await impl.evaluate_rows(EvaluateRowsRequest(benchmark_id=benchmark_id, **dict(body)))

    @router.post(f"{PREFIX}/jobs", response_model=EvalJob, summary="Run an evaluation on a benchmark, as a job")
    async def run_eval(benchmark_id: str, body: RunEvalBody) -> EvalJob:
        return await impl.run_eval(RunEvalRequest(benchmark_id=benchmark_id, benchmark_config=body.benchmark_config))

    @router.get(f"{PREFIX}/jobs/{{job_id}}", response_model=EvalJob, summary="Get the status of an eval job")
    async def job_status(benchmark_id: str, job_id: str) -> EvalJob:
        return await impl.job_status(JobRequest(benchmark_id=benchmark_id, job_id=job_id))

    @router.delete(f"{PREFIX}/jobs/{{job_id}}", status_code=204, summary="Cancel an eval job")
    async def job_cancel(benchmark_id: str, job_id: str) -> Response:
        await impl.job_cancel(JobRequest(benchmark_id=benchmark_id, job_id=job_id))
        return Response(status_code=204)

    @router.get(f"{PREFIX}/jobs/{{job_id}}/result", response_model=EvaluateResponse, summary="Get an eval job's result")
    async def job_result(benchmark_id: str, job_id: str) -> EvaluateResponse:
        return await impl.job_result(JobRequest(benchmark_id=benchmark_id, job_id=job_id))

    return router
