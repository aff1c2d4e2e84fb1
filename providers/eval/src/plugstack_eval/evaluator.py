"""`inline::meta-reference`: evaluate a model or agent candidate on rows, now or as a job.

Generation goes through the inference API (so any model of the stack is a candidate) or, for an
agent candidate, through the agents API's loop, a few rows at a time (``max_concurrency``);
scoring goes through the scoring API (`plugstack_eval.evaluation`). Benchmark runs are jobs of
the core job system: persisted with their progress, cancellable, their result kept in the job
table. They run in the server (failed with the reason when it stops under them) or, with
``jobs.runner: ray``, on the cluster as clients of the stack's API (`plugstack_eval.cluster_job`),
where they outlive a server restart.
Everything a job could fail on up front (benchmark, model, dataset, scoring functions,
candidate kind) is checked before it is submitted, so those are a 4xx, not a failed job.
"""

from collections.abc import Mapping
from typing import Any

from plugstack.apis.datasetio.protocol import DatasetIO
from plugstack.apis.eval.models import (
    AgentCandidate,
    Benchmark,
    BenchmarkConfig,
    EvalJob,
    EvalProgress,
    EvaluateResponse,
    EvaluateRowsRequest,
    JobRequest,
    ModelCandidate,
    RunEvalRequest,
)
from plugstack.apis.inference.protocol import Inference
from plugstack.apis.scoring.models import ScoringFnParams
from plugstack.apis.scoring.protocol import Scoring
from plugstack.errors import BadRequestError, ConflictError, NotFoundError
from plugstack.jobs.manager import JobManager, TaskReporter
from plugstack.jobs.models import Job, JobStatus
from plugstack.registry.routing import RoutingTable
from plugstack_eval.agent_candidate import agent_config
from plugstack_eval.config import EvalConfig
from plugstack_eval.evaluation import evaluate, run_benchmark

JOB_KIND = "eval"
CLUSTER_TARGET = "plugstack_eval.cluster_job:run"


class MetaReferenceEval:
    def __init__(
        self,
        config: EvalConfig,
        inference: Inference,
        datasetio: DatasetIO,
        scoring: Scoring,
        tables: Mapping[str, RoutingTable],
        jobs: JobManager,
        agents: Any | None = None,
    ) -> None:
        self._config = config
        self._inference = inference
        self._agents = agents
        self._datasetio = datasetio
        self._scoring = scoring
        self._tables = tables  # the stack's routing tables, read at call time
        self._jobs = jobs

    # -- registration ---------------------------------------------------------------------

    async def register_resource(self, benchmark: Benchmark) -> Benchmark:
        """A benchmark on a dataset or scoring function that does not exist is a 404 naming it."""
        self._tables["datasets"].get(benchmark.dataset_id)
        self._check_functions(benchmark.scoring_functions)
        return benchmark

    # -- checks ---------------------------------------------------------------------------

    def _benchmark(self, benchmark_id: str) -> Benchmark:
        benchmark = self._tables["benchmarks"].get(benchmark_id)
        assert isinstance(benchmark, Benchmark)
        return benchmark

    def _check_functions(self, fn_ids: list[str]) -> None:
        for fn_id in fn_ids:
            self._tables["scoring_fns"].get(fn_id)

    def _candidate(self, config: BenchmarkConfig) -> ModelCandidate | AgentCandidate:
        candidate = config.eval_candidate
        if isinstance(candidate, AgentCandidate):
            if self._agents is None:
                raise BadRequestError(
                    "eval_candidate: agent candidates need the agents API, which this stack does not serve; "
                    "evaluate a model candidate ({'type': 'model', 'model': ..., 'sampling_params': ...})"
                )
            self._tables["models"].get(agent_config(candidate.config).model)
            return candidate
        self._tables["models"].get(candidate.model)
        return candidate

    def _plan(
        self, config: BenchmarkConfig, fn_ids: list[str]
    ) -> tuple[ModelCandidate | AgentCandidate, dict[str, ScoringFnParams | None]]:
        """The candidate and each function's parameters, every reference checked."""
        candidate = self._candidate(config)
        self._check_functions(fn_ids)
        unused = sorted(set(config.scoring_params) - set(fn_ids))
        if unused:
            raise BadRequestError(
                f"benchmark_config.scoring_params names {', '.join(map(repr, unused))}, which is not among "
                f"the scoring functions evaluated ({', '.join(fn_ids)})"
            )
        return candidate, {fn_id: config.scoring_params.get(fn_id) for fn_id in fn_ids}

    # -- evaluation -----------------------------------------------------------------------

    async def evaluate_rows(self, request: EvaluateRowsRequest) -> EvaluateResponse:
        config = request.benchmark_config
        candidate, functions = self._plan(config, request.scoring_functions)
        rows = request.input_rows[: config.num_examples] if config.num_examples else request.input_rows
        return await evaluate(
            rows,
            candidate,
            functions,
            inference=self._inference,
            scoring=self._scoring,
            agents=self._agents,
            max_concurrency=self._config.max_concurrency,
        )

    async def run_eval(self, request: RunEvalRequest) -> EvalJob:
        benchmark = self._benchmark(request.benchmark_id)
        config = request.benchmark_config
        candidate, functions = self._plan(config, benchmark.scoring_functions)
        self._tables["datasets"].get(benchmark.dataset_id)
        params = {"benchmark_id": benchmark.identifier, "benchmark_config": config.model_dump(mode="json")}
        if self._jobs.on_cluster and isinstance(candidate, ModelCandidate):
            # on the Ray cluster, as a client of this stack's API (agent candidates stay here,
            # with their sessions and tools)
            cluster_params = {
                **params,
                "dataset_id": benchmark.dataset_id,
                "scoring_functions": {fn: p.model_dump(mode="json") if p else None for fn, p in functions.items()},
                "max_concurrency": self._config.max_concurrency,
            }
            return _as_eval_job(await self._jobs.submit(JOB_KIND, CLUSTER_TARGET, cluster_params, call_back=True))

        async def work(reporter: TaskReporter) -> dict[str, Any]:
            return await run_benchmark(
                benchmark.dataset_id,
                config.num_examples,
                candidate,
                functions,
                datasetio=self._datasetio,
                inference=self._inference,
                scoring=self._scoring,
                agents=self._agents,
                max_concurrency=self._config.max_concurrency,
                reporter=reporter,
            )

        return _as_eval_job(await self._jobs.submit_task(JOB_KIND, work, params))

    # -- jobs -----------------------------------------------------------------------------

    async def _job(self, request: JobRequest) -> Job:
        """The job, if it is an eval job of this benchmark: ids of other jobs are not found here."""
        try:
            job = await self._jobs.get(request.job_id)
        except NotFoundError:
            job = None
        if job is None or job.kind != JOB_KIND or job.params.get("benchmark_id") != request.benchmark_id:
            raise NotFoundError(f"eval job {request.job_id!r} not found for benchmark {request.benchmark_id!r}")
        return job

    async def job_status(self, request: JobRequest) -> EvalJob:
        return _as_eval_job(await self._job(request))

    async def job_cancel(self, request: JobRequest) -> None:
        await self._job(request)
        await self._jobs.cancel(request.job_id)

    async def job_result(self, request: JobRequest) -> EvaluateResponse:
        job = await self._job(request)
        if job.status != JobStatus.completed:
            reason = f": {job.error}" if job.error else ""
            raise ConflictError(
                f"eval job {job.id!r} is {job.status.value}{reason}; a result exists once it has completed"
            )
        return EvaluateResponse.model_validate(job.result)


def _as_eval_job(job: Job) -> EvalJob:
    return EvalJob(
        job_id=job.id,
        status=job.status,
        progress=EvalProgress.model_validate(job.progress) if job.progress else None,
        error=job.error,
        created_at=job.created_at,
        started_at=job.started_at,
        completed_at=job.completed_at,
    )
