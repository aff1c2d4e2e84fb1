"""What the scoring API serves, and what a scoring provider implements.

The router serves `Scoring`. A provider implements `ScoringProvider`: one registered
function over rows at a time; the router resolves ids, parameters and datasets. Besides
``score_rows`` a provider takes part in registration (see
`plugstack.registry.routing.RoutingTable`): ``list_resources("scoring_function")`` announces
its built-in functions, ``register_resource(fn)`` checks a registration it will serve, and
``accepts(request)`` says whether a registration without provider_id is its.
"""

from typing import Protocol

from plugstack.apis.scoring.models import (
    ScoreBatchRequest,
    ScoreBatchResponse,
    ScoreRequest,
    ScoreResponse,
    ScoreRowsRequest,
    ScoringResult,
)


class Scoring(Protocol):
    async def score(self, request: ScoreRequest) -> ScoreResponse: ...

    async def score_batch(self, request: ScoreBatchRequest) -> ScoreBatchResponse: ...


class ScoringProvider(Protocol):
    async def score_rows(self, request: ScoreRowsRequest) -> ScoringResult: ...
