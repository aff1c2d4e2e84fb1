"""Reward scoring shapes: the 2024 draft's ``reward_scoring/score`` over the codebase's chat
messages, and the reward model resource that ``model`` names."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from plugstack.apis.inference.models import ChatMessage
from plugstack.registry.resources import Resource


class DialogGenerations(BaseModel):
    """A conversation and the candidate replies to it that are to be scored."""

    dialog: list[ChatMessage] = Field(min_length=1, description="the conversation the generations reply to")
    k_generations: list[ChatMessage] = Field(min_length=1, description="candidate next messages, each scored alone")


class RewardScoringRequest(BaseModel):
    prompt_generations: list[DialogGenerations] = Field(min_length=1, description="dialogs with their candidates")
    model: str = Field(min_length=1, description="a registered reward model id (GET /v1alpha/reward-scoring/models)")


class ScoredMessage(BaseModel):
    message: ChatMessage
    score: float = Field(description="higher is better; the scale is the reward model's")


class ScoredDialogGenerations(BaseModel):
    dialog: list[ChatMessage]
    scored_generations: list[ScoredMessage] = Field(description="the request's k_generations, in order, scored")


class RewardScoringResponse(BaseModel):
    scored_generations: list[ScoredDialogGenerations] = Field(description="one entry per prompt_generations entry")


class RewardModel(Resource):
    """A registered reward model: one reward provider's scorer, with its parameters."""

    type: Literal["reward_model"] = "reward_model"
    params: dict[str, Any] | None = Field(
        default=None, description="provider parameters (llm-as-judge: min_score, max_score, prompt_template)"
    )


class RegisterRewardModelRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    reward_model_id: str = Field(min_length=1, description="the id clients pass as `model`")
    provider_id: str | None = Field(default=None, description="default: the only reward_scoring provider")
    provider_model_id: str | None = Field(
        default=None,
        description="the model inside the provider (llm-as-judge: the judge LLM's model id; "
        "transformers-reward: the local HF folder); default: reward_model_id",
    )
    params: dict[str, Any] | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class ListRewardModelsResponse(BaseModel):
    data: list[RewardModel]
