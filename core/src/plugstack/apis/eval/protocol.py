"""What an eval provider implements. The router implements it too, over all providers.

Requests reach the provider with the client's ``benchmark_id``; the provider reads the
benchmark from the routing table it gets in its context, and takes part in registration
(``register_resource(benchmark)`` checks the dataset and scoring functions exist).
"""

from typing import Protocol

from plugstack.apis.eval.models import EvalJob, EvaluateResponse, EvaluateRowsRequest, JobRequest, RunEvalRequest


class Eval(Protocol):
    async def run_eval(self, request: RunEvalRequest) -> EvalJob: ...

    async def evaluate_rows(self, request: EvaluateRowsRequest) -> EvaluateResponse: ...

    async def job_status(self, request: JobRequest) -> EvalJob: ...

    async def job_cancel(self, request: JobRequest) -> None: ...

    async def job_result(self, request: JobRequest) -> EvaluateResponse: ...
