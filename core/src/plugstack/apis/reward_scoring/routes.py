"""HTTP routes of the reward scoring API: the draft's score, under the 2025 spec's /v1alpha prefix."""

from fastapi import APIRouter

from plugstack.apis.reward_scoring.models import RewardScoringRequest, RewardScoringResponse
from plugstack.apis.reward_scoring.protocol import RewardScoring


def create_router(impl: RewardScoring) -> APIRouter:
    router = APIRouter(tags=["reward-scoring"])

    @router.post(
        "/v1alpha/reward-scoring/score",
        response_model=RewardScoringResponse,
        summary="Score each candidate reply to each dialog with a reward model",
    )
    async def score(body: RewardScoringRequest) -> RewardScoringResponse:
        return await impl.score(body)

    return router
