"""Routes a scoring request to the provider of its reward model and shapes the response."""

import math

from plugstack.apis.reward_scoring.models import (
    RewardModel,
    RewardScoringRequest,
    RewardScoringResponse,
    ScoredDialogGenerations,
    ScoredMessage,
)
from plugstack.apis.reward_scoring.protocol import RewardProvider
from plugstack.errors import ProviderFailedError
from plugstack.registry.routing import RoutingTable


class RewardScoringRouter:
    """Implements `RewardScoring` over the reward model routing table (also for synthetic data)."""

    def __init__(self, reward_models: RoutingTable) -> None:
        self._reward_models = reward_models

    async def score(self, request: RewardScoringRequest) -> RewardScoringResponse:
        reward_model, provider = self._reward_models.route(request.model)
        assert isinstance(reward_model, RewardModel)
        scorer: RewardProvider = provider
        scores = await scorer.score(reward_model, request.prompt_generations)
        shape = [len(entry.k_generations) for entry in request.prompt_generations]
        if [len(group) for group in scores] != shape or not all(math.isfinite(s) for g in scores for s in g):
            raise ProviderFailedError(
                f"reward model {reward_model.identifier!r} returned scores that do not match the generations "
                f"(expected finite scores for {shape} generations per dialog)"
            )
        return RewardScoringResponse(
            scored_generations=[
                ScoredDialogGenerations(
                    dialog=entry.dialog,
                    scored_generations=[
                        ScoredMessage(message=message, score=float(score))
                        for message, score in zip(entry.k_generations, group, strict=True)
                    ],
                )
                for entry, group in zip(request.prompt_generations, scores, strict=True)
            ]
        )
