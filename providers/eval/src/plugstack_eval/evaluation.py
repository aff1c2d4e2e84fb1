"""One evaluation: the candidate's answers for each row, a few at a time, then their scores.

Shared by the server (``evaluate_rows``, benchmark jobs run in the server) and a benchmark job on
a Ray cluster (`plugstack_eval.cluster_job`), which passes clients of the stack's HTTP API as
``inference``, ``datasetio`` and ``scoring``: the same steps, progress and logs either way.
"""

from typing import Any, Protocol

from plugstack.apis.datasetio.models import IterRowsRequest
from plugstack.apis.eval.models import AgentCandidate, EvalProgress, EvaluateResponse, ModelCandidate
from plugstack.apis.scoring import columns
from plugstack.apis.scoring.models import Row, ScoreRequest, ScoringFnParams
from plugstack_eval.agent_candidate import AgentAnswers, agent_config
from plugstack_eval.concurrency import bounded_map
from plugstack_eval.generation import generate

CANDIDATE = "the eval candidate"


class Reporter(Protocol):
    """What a job reports through: a server task's reporter, or a cluster job's (made async)."""

    async def progress(self, **fields: Any) -> None: ...

    async def log(self, line: str) -> None: ...


def candidate_name(candidate: ModelCandidate | AgentCandidate) -> str:
    if isinstance(candidate, AgentCandidate):
        return f"an agent on model {agent_config(candidate.config).model!r}"
    return f"model {candidate.model!r}"


async def evaluate(
    rows: list[Row],
    candidate: ModelCandidate | AgentCandidate,
    functions: dict[str, ScoringFnParams | None],
    *,
    inference: Any,
    scoring: Any,
    agents: Any | None,
    max_concurrency: int,
    reporter: Reporter | None = None,
) -> EvaluateResponse:
    chats = [columns.input_messages(row, index, CANDIDATE) for index, row in enumerate(rows)]
    total = len(rows)

    async def progress(done: int, phase: str = "generating") -> None:
        if reporter is not None:
            await reporter.progress(**EvalProgress(rows_done=done, rows_total=total, phase=phase).model_dump())

    await progress(0)
    if isinstance(candidate, AgentCandidate):
        async with AgentAnswers(agents, agent_config(candidate.config)) as agent:
            answers = await bounded_map(chats, lambda _, chat: agent.answer(chat), max_concurrency, progress)
    else:
        answers = await bounded_map(
            chats, lambda _, chat: generate(inference, candidate, chat), max_concurrency, progress
        )
    await progress(total, "scoring")
    scored = [{**row, "generated_answer": answer} for row, answer in zip(rows, answers, strict=True)]
    scores = await scoring.score(ScoreRequest(input_rows=scored, scoring_functions=functions))
    return EvaluateResponse(generations=[{"generated_answer": answer} for answer in answers], scores=scores.results)


async def run_benchmark(
    dataset_id: str,
    num_examples: int | None,
    candidate: ModelCandidate | AgentCandidate,
    functions: dict[str, ScoringFnParams | None],
    *,
    datasetio: Any,
    inference: Any,
    scoring: Any,
    agents: Any | None,
    max_concurrency: int,
    reporter: Reporter,
) -> dict[str, Any]:
    """A benchmark job's work: the dataset's rows evaluated; the job's result (JSON)."""
    page = await datasetio.iterrows(IterRowsRequest(dataset_id=dataset_id, limit=num_examples or -1))
    await reporter.log(
        f"evaluating {len(page.data)} rows of dataset {dataset_id!r} with {candidate_name(candidate)}, "
        f"{max_concurrency} at a time"
    )
    result = await evaluate(
        page.data,
        candidate,
        functions,
        inference=inference,
        scoring=scoring,
        agents=agents,
        max_concurrency=max_concurrency,
        reporter=reporter,
    )
    await reporter.log("done: " + ", ".join(f"{fn}={r.aggregated_results}" for fn, r in result.scores.items()))
    return result.model_dump(mode="json")
