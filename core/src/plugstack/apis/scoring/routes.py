"""HTTP routes of the scoring API: one route per Protocol method, one request model each."""

from fastapi import APIRouter

from plugstack.apis.scoring.models import ScoreBatchRequest, ScoreBatchResponse, ScoreRequest, ScoreResponse
from plugstack.apis.scoring.protocol import Scoring


def create_router(impl: Scoring) -> APIRouter:
    router = APIRouter(tags=["scoring"])

    @router.post("/v1/scoring/score", response_model=ScoreResponse, summary="Score rows")
    async def score(body: ScoreRequest) -> ScoreResponse:
        return await impl.score(body)

    @router.post("/v1/scoring/score-batch", response_model=ScoreBatchResponse, summary="Score a dataset's rows")
    async def score_batch(body: ScoreBatchRequest) -> ScoreBatchResponse:
        return await impl.score_batch(body)

    return router
