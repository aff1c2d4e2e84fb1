"""What the reward scoring API serves, and what a reward provider implements.

A provider implements `RewardProvider`: scores for every (dialog, generation) pair of a request,
so it can batch across dialogs. The router resolves the reward model and shapes the response,
so a provider never builds one. Like every resource owner it may check registrations
(``register_resource``).
"""

from typing import Protocol

from plugstack.apis.reward_scoring.models import (
    DialogGenerations,
    RewardModel,
    RewardScoringRequest,
    RewardScoringResponse,
)


class RewardScoring(Protocol):
    async def score(self, request: RewardScoringRequest) -> RewardScoringResponse: ...


class RewardProvider(Protocol):
    async def score(self, reward_model: RewardModel, prompt_generations: list[DialogGenerations]) -> list[list[float]]:
        """One score per generation, grouped per dialog in request order; raise when scoring cannot run."""
        ...
