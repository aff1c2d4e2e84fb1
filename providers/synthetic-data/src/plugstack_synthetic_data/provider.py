"""`inline::reference`: synthetic data through the stack's own APIs.

A run takes the dialogs a chunk at a time (``chunk_dialogs``): k candidates per dialog from the
inference router (``max_concurrency`` dialogs at once), one reward scoring request for the chunk,
then each dialog's filter; progress is logged after every chunk (and reported, for a job). Kept
candidates are saved at the end, when the request names a dataset. Models, reward model, dataset
and dialogs are checked before anything is generated, so those are a 4xx and never a failed run.
"""

import logging
import statistics
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from plugstack.apis.datasetio.protocol import DatasetIO
from plugstack.apis.inference.batch_concurrency import bounded_map
from plugstack.apis.inference.models import ChatCompletionRequest, ChatMessage
from plugstack.apis.inference.protocol import Inference
from plugstack.apis.reward_scoring.models import DialogGenerations, RewardScoringRequest, ScoredMessage
from plugstack.apis.reward_scoring.protocol import RewardScoring
from plugstack.apis.synthetic_data_generation.models import (
    SyntheticDataGenerationRequest,
    SyntheticDataGenerationResponse,
    SyntheticDataJob,
    SyntheticDataJobRequest,
    SyntheticDataProgress,
    SyntheticDataStatistics,
    SyntheticDialog,
)
from plugstack.errors import BadRequestError, ConflictError, NotFoundError
from plugstack.jobs.manager import JobManager, TaskReporter
from plugstack.jobs.models import Job, JobStatus
from plugstack.registry.routing import RoutingTable
from plugstack_synthetic_data import candidates, saving
from plugstack_synthetic_data.config import SyntheticDataConfig
from plugstack_synthetic_data.filtering import keep, ranked

log = logging.getLogger(__name__)

JOB_KIND = "synthetic_data_generation"
Report = Callable[[SyntheticDataProgress], Awaitable[None]]


@dataclass
class _Plan:
    """A request checked and resolved: what the run does, with nothing left to refuse."""

    request: SyntheticDataGenerationRequest
    model: str
    reward_model: str
    dialogs: list[list[ChatMessage]]
    chats: list[ChatCompletionRequest]


@dataclass
class _Tally:
    generated: int = 0
    kept: int = 0
    scores: list[float] = field(default_factory=list)
    kept_scores: list[float] = field(default_factory=list)
    generate_s: float = 0.0
    score_s: float = 0.0


class ReferenceSyntheticData:
    """Implements `plugstack.apis.synthetic_data_generation.protocol.SyntheticDataGeneration`."""

    def __init__(
        self,
        config: SyntheticDataConfig,
        inference: Inference,
        reward: RewardScoring,
        datasetio: DatasetIO | None,
        tables: Mapping[str, RoutingTable],
        jobs: JobManager,
    ) -> None:
        self._config = config
        self._inference = inference
        self._reward = reward
        self._datasetio = datasetio
        self._tables = tables
        self._jobs = jobs

    # -- checks -------------------------------------------------------------------------------

    def _plan(self, request: SyntheticDataGenerationRequest) -> _Plan:
        model = request.model or self._config.default_model
        if model is None:
            raise BadRequestError("model: name the model that generates (this provider's config has no default_model)")
        self._tables["models"].get(model)  # 404 naming the registered models
        reward_model = request.reward_scoring.model if request.reward_scoring else self._config.default_reward_model
        if reward_model is None:
            raise BadRequestError(
                "reward_scoring.model: name the reward model that scores (this provider's config has no "
                "default_reward_model)"
            )
        self._tables["reward_models"].get(reward_model)
        if request.dataset_id is not None:
            saving.check_target(self._tables.get("datasets"), request.dataset_id, request.save_as)
        dialogs = request.dialog_list()
        for index, dialog in enumerate(dialogs):
            if dialog[-1].role == "assistant":
                raise BadRequestError(f"dialogs[{index}]: ends with the assistant's message; end with one to answer")
        chats = [candidates.chat_request(model, dialog, request.sampling_params) for dialog in dialogs]
        return _Plan(request, model, reward_model, dialogs, chats)

    # -- the run ------------------------------------------------------------------------------

    async def _generate(self, plan: _Plan, index: int) -> list[ChatMessage]:
        seed = plan.request.seed
        return await candidates.generate(
            self._inference, plan.chats[index], plan.request.k, None if seed is None else seed + index * plan.request.k
        )

    async def _score(self, plan: _Plan, first: int, generated: list[list[ChatMessage]]) -> list[list[float]]:
        dialogs = plan.dialogs[first : first + len(generated)]
        request = RewardScoringRequest(
            prompt_generations=[
                DialogGenerations(dialog=dialog, k_generations=replies)
                for dialog, replies in zip(dialogs, generated, strict=True)
            ],
            model=plan.reward_model,
        )
        response = await self._reward.score(request)
        return [[scored.score for scored in dialog.scored_generations] for dialog in response.scored_generations]

    async def _run(self, plan: _Plan, report: Report) -> SyntheticDataGenerationResponse:
        request = plan.request
        started = time.perf_counter()
        tally = _Tally()
        synthetic: list[SyntheticDialog] = []
        rows: list[saving.Row] = []
        for first in range(0, len(plan.dialogs), self._config.chunk_dialogs):
            indices = range(first, min(first + self._config.chunk_dialogs, len(plan.dialogs)))
            clock = time.perf_counter()
            generated = await bounded_map(indices, lambda i: self._generate(plan, i), self._config.max_concurrency)
            tally.generate_s += time.perf_counter() - clock
            clock = time.perf_counter()
            scores = await self._score(plan, first, generated)
            tally.score_s += time.perf_counter() - clock
            for index, replies, dialog_scores in zip(indices, generated, scores, strict=True):
                dialog, dialog_rows = _filter(plan, index, replies, dialog_scores, tally)
                synthetic.append(dialog)
                rows += dialog_rows
            await report(SyntheticDataProgress(
                dialogs_done=indices.stop, dialogs_total=len(plan.dialogs), generated=tally.generated, kept=tally.kept
            ))  # fmt: skip
        if request.dataset_id is not None:
            assert self._datasetio is not None  # check_target refused the request otherwise
            await saving.save(
                self._tables["datasets"], self._datasetio, request.dataset_id, request.save_as, rows, plan.model
            )
        return SyntheticDataGenerationResponse(
            synthetic_data=synthetic, statistics=_statistics(plan, tally, time.perf_counter() - started, len(rows))
        )

    # -- the API ------------------------------------------------------------------------------

    async def generate(self, request: SyntheticDataGenerationRequest) -> SyntheticDataGenerationResponse:
        plan = self._plan(request)

        async def log_progress(progress: SyntheticDataProgress) -> None:
            log.info(
                "synthetic data: %d/%d dialogs, %d candidates generated, %d kept",
                progress.dialogs_done, progress.dialogs_total, progress.generated, progress.kept,
            )  # fmt: skip

        return await self._run(plan, log_progress)

    async def create_job(self, request: SyntheticDataGenerationRequest) -> SyntheticDataJob:
        plan = self._plan(request)

        async def work(reporter: TaskReporter) -> dict[str, Any]:
            await reporter.log(
                f"generating {request.k} candidates for each of {len(plan.dialogs)} dialogs with {plan.model!r}, "
                f"scored by {plan.reward_model!r}, filter {request.filtering_function}"
            )

            async def report(progress: SyntheticDataProgress) -> None:
                await reporter.progress(**progress.model_dump())
                await reporter.log(f"{progress.dialogs_done}/{progress.dialogs_total} dialogs, {progress.kept} kept")

            response = await self._run(plan, report)
            return response.model_dump(mode="json")

        return _as_job(await self._jobs.submit_task(JOB_KIND, work, request.model_dump(mode="json", exclude_none=True)))

    async def _job(self, request: SyntheticDataJobRequest) -> Job:
        try:
            job = await self._jobs.get(request.job_id)
        except NotFoundError:
            job = None
        if job is None or job.kind != JOB_KIND:
            raise NotFoundError(f"synthetic data generation job {request.job_id!r} not found")
        return job

    async def job_status(self, request: SyntheticDataJobRequest) -> SyntheticDataJob:
        return _as_job(await self._job(request))

    async def job_result(self, request: SyntheticDataJobRequest) -> SyntheticDataGenerationResponse:
        job = await self._job(request)
        if job.status != JobStatus.completed:
            reason = f": {job.error}" if job.error else ""
            raise ConflictError(f"job {job.id!r} is {job.status.value}{reason}; a result exists once it has completed")
        return SyntheticDataGenerationResponse.model_validate(job.result)

    async def cancel_job(self, request: SyntheticDataJobRequest) -> SyntheticDataJob:
        await self._job(request)
        return _as_job(await self._jobs.cancel(request.job_id))


def _filter(
    plan: _Plan, index: int, replies: list[ChatMessage], scores: list[float], tally: _Tally
) -> tuple[SyntheticDialog, list[saving.Row]]:
    """Dialog ``index``'s kept candidates, and the rows they make; counted into ``tally``."""
    request = plan.request
    scored = [ScoredMessage(message=reply, score=score) for reply, score in zip(replies, scores, strict=True)]
    kept_indices = keep(scores, request.filtering_function, request.filtering, index)
    kept = [scored[i] for i in kept_indices]
    tally.generated += len(scored)
    tally.kept += len(kept)
    tally.scores += scores
    tally.kept_scores += [candidate.score for candidate in kept]
    dialog = plan.dialogs[index]
    if request.save_as == "sft":
        rows = saving.sft_rows(dialog, kept)
    else:
        pair = saving.preference_row(dialog, kept, [scored[i] for i in ranked(scores)])
        rows = [pair] if pair else []
    result = SyntheticDialog(
        dialog_index=index, dialog=dialog, k_scored_generations=kept, kept_indices=kept_indices, scores=scores
    )
    return result, rows


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


def _statistics(plan: _Plan, tally: _Tally, total_s: float, rows: int) -> SyntheticDataStatistics:
    return SyntheticDataStatistics(
        dialogs=len(plan.dialogs),
        generated=tally.generated,
        kept=tally.kept,
        filtering_function=plan.request.filtering_function,
        score_mean=_mean(tally.scores),
        score_min=min(tally.scores, default=None),
        score_max=max(tally.scores, default=None),
        kept_score_mean=_mean(tally.kept_scores),
        generate_s=round(tally.generate_s, 3),
        score_s=round(tally.score_s, 3),
        total_s=round(total_s, 3),
        dataset_id=plan.request.dataset_id,
        rows_saved=rows if plan.request.dataset_id else 0,
    )


def _as_job(job: Job) -> SyntheticDataJob:
    return SyntheticDataJob(
        job_id=job.id,
        status=job.status,
        progress=SyntheticDataProgress.model_validate(job.progress) if job.progress else None,
        error=job.error,
        created_at=job.created_at,
        started_at=job.started_at,
        completed_at=job.completed_at,
        params=job.params,
    )
