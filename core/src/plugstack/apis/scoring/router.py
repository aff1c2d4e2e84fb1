"""Routes each scoring function to the provider that serves it; reads datasets for score-batch."""

import asyncio
import uuid
from collections.abc import Mapping

from plugstack.apis.datasetio.models import IterRowsRequest, RegisterDatasetRequest, RowsDataSource
from plugstack.apis.datasetio.router import DatasetIORouter
from plugstack.apis.scoring.models import (
    Row,
    ScoreBatchRequest,
    ScoreBatchResponse,
    ScoreRequest,
    ScoreResponse,
    ScoreRowsRequest,
    ScoringFn,
    ScoringFnParams,
    ScoringResult,
)
from plugstack.apis.scoring.protocol import ScoringProvider
from plugstack.errors import BadRequestError
from plugstack.registry.routing import RoutingTable

DATASETS_TABLE = "datasets"


class ScoringRouter:
    """Implements `Scoring` over the scoring-function routing table.

    ``tables`` is the stack's (growing) mapping of routing tables: score-batch reads rows
    through the dataset table at call time, so the scoring API needs no datasetio provider
    of its own, and a stack without datasetio still scores rows given inline.
    """

    def __init__(self, functions: RoutingTable, tables: Mapping[str, RoutingTable]) -> None:
        self._functions = functions
        self._tables = tables

    def _calls(
        self, requested: dict[str, ScoringFnParams | None]
    ) -> list[tuple[ScoringFn, ScoringProvider, ScoringFnParams | None]]:
        """Every function resolved before any runs, so an unknown id is a 404 with no work done."""
        calls = []
        for fn_id, params in requested.items():
            fn, provider = self._functions.route(fn_id)
            assert isinstance(fn, ScoringFn)
            calls.append((fn, provider, params or fn.params))
        return calls

    async def score(self, request: ScoreRequest) -> ScoreResponse:
        calls = self._calls(request.scoring_functions)
        results = await asyncio.gather(
            *(
                provider.score_rows(ScoreRowsRequest(scoring_fn=fn, params=params, input_rows=request.input_rows))
                for fn, provider, params in calls
            )
        )
        return ScoreResponse(results={fn.identifier: result for (fn, _, _), result in zip(calls, results, strict=True)})

    def _datasets(self) -> RoutingTable:
        table = self._tables.get(DATASETS_TABLE)
        if table is None:
            raise BadRequestError("score-batch reads a dataset, and this stack does not serve the datasetio API")
        return table

    async def score_batch(self, request: ScoreBatchRequest) -> ScoreBatchResponse:
        datasets = self._datasets()
        self._calls(request.scoring_functions)  # unknown functions: 404 before reading any row
        page = await DatasetIORouter(datasets).iterrows(IterRowsRequest(dataset_id=request.dataset_id, limit=-1))
        scored = await self.score(ScoreRequest(input_rows=page.data, scoring_functions=request.scoring_functions))
        saved = None
        if request.save_results_dataset:
            saved = await self._save(datasets, request.dataset_id, page.data, scored.results)
        return ScoreBatchResponse(results=scored.results, dataset_id=saved)

    @staticmethod
    async def _save(datasets: RoutingTable, source_id: str, rows: list[Row], results: dict[str, ScoringResult]) -> str:
        """A new dataset of the source's rows, each with one more column per function: its score row."""
        source = datasets.get(source_id)
        scored_rows = [
            {**row, **{fn_id: result.score_rows[index] for fn_id, result in results.items()}}
            for index, row in enumerate(rows)
        ]
        request = RegisterDatasetRequest(
            purpose=source.purpose,  # type: ignore[attr-defined]
            source=RowsDataSource(rows=scored_rows),
            dataset_id=f"{source_id}-scored-{uuid.uuid4().hex[:8]}",
            metadata={"scored_from": source_id, "scoring_functions": sorted(results)},
        )
        return (await datasets.register(request)).identifier
