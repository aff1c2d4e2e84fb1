"""Request and response shapes of synthetic data generation.

The request is Llama Stack's (``dialogs``, ``filtering_function``, ``model``; what
llama-stack-client 0.3's ``synthetic_data_generation.generate`` sends) plus the 2024 draft's
``reward_scoring`` config and what a run needs besides: ``k`` candidates per dialog, sampling,
filter parameters, and an optional dataset to save the result into. Each item of ``dialogs`` is
a message (a one-message dialog: the client's flat list is a list of prompts) or a list of
messages (a whole conversation); the candidates answer its last message. Messages are the
stack's chat messages (OpenAI's, which reward scoring takes too); Llama Stack's text messages
(``{role, content}``, content a string or text items) have the same shape.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from plugstack.apis.eval.models import SamplingParams, TopPSamplingStrategy
from plugstack.apis.inference.models import ChatMessage
from plugstack.apis.reward_scoring.models import ScoredMessage
from plugstack.jobs.models import JobStatus

FilteringFunction = Literal["none", "random", "top_k", "top_p", "top_k_top_p", "sigmoid"]
SaveAs = Literal["sft", "preference"]
MAX_K = 16  # candidates are the n choices of one chat completion request, which allows up to 16

Dialog = Annotated[list[ChatMessage], Field(min_length=1)]


def default_sampling() -> SamplingParams:
    """Sampled, not greedy: k greedy candidates would all be the same answer."""
    return SamplingParams(strategy=TopPSamplingStrategy(temperature=0.8, top_p=0.95), max_tokens=128)


class RewardScoringConfig(BaseModel):
    """Which reward model scores the candidates (the draft's ``reward_scoring`` object)."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1, description="a reward model id of the reward_scoring API")


class FilteringParams(BaseModel):
    """Parameters of the filtering functions; each applies to the k candidates of one dialog."""

    model_config = ConfigDict(extra="forbid")

    top_k: int = Field(
        default=1, ge=1, description="top_k and top_k_top_p keep at most this many; random keeps this many"
    )
    top_p: float = Field(
        default=0.9,
        gt=0,
        le=1,
        description="top_p keeps the fewest best candidates whose softmax(score) mass reaches this",
    )
    seed: int = Field(default=0, description="seeds the random and sigmoid filters: same scores, same choice")


class SyntheticDataGenerationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dialogs: list[ChatMessage | Dialog] = Field(
        min_length=1, description="prompts: a message, or a list of messages ending with the one to answer"
    )
    filtering_function: FilteringFunction = Field(default="none", description="which candidates are kept")
    model: str | None = Field(
        default=None, min_length=1, description="the model that generates; default: the provider's config"
    )
    reward_scoring: RewardScoringConfig | None = Field(
        default=None, description="the reward model that scores; default: the provider's config"
    )
    k: int = Field(default=4, ge=1, le=MAX_K, description="candidates generated per dialog")
    sampling_params: SamplingParams = Field(default_factory=default_sampling, description="how candidates are sampled")
    seed: int | None = Field(default=None, description="seeds generation (where the engine honours seeds)")
    filtering: FilteringParams = Field(default_factory=FilteringParams)
    dataset_id: str | None = Field(
        default=None,
        min_length=1,
        description="save the result into this dataset: registered when new, appended to when it exists",
    )
    save_as: SaveAs = Field(
        default="sft",
        description="sft: a post-training/messages row per kept candidate; preference: a "
        "post-training/preferences row {prompt, chosen, rejected} per dialog (best kept vs worst generated)",
    )

    def dialog_list(self) -> list[list[ChatMessage]]:
        """Every item of ``dialogs`` as a list of messages."""
        return [item if isinstance(item, list) else [item] for item in self.dialogs]


class SyntheticDialog(BaseModel):
    """One dialog and the candidates the filter kept (the draft's KScoredPromptGenerations)."""

    dialog_index: int = Field(description="position of the dialog in the request")
    dialog: list[ChatMessage]
    k_scored_generations: list[ScoredMessage] = Field(description="kept candidates, best score first")
    kept_indices: list[int] = Field(description="which candidates were kept (0..k-1, generation order), best first")
    scores: list[float] = Field(description="the score of every candidate generated, kept or not, in generation order")


class SyntheticDataStatistics(BaseModel):
    dialogs: int
    generated: int = Field(description="candidates generated (dialogs times k)")
    kept: int = Field(description="candidates the filter kept")
    filtering_function: FilteringFunction
    score_mean: float | None = Field(description="over every generated candidate")
    score_min: float | None
    score_max: float | None
    kept_score_mean: float | None
    generate_s: float = Field(description="seconds spent generating")
    score_s: float = Field(description="seconds spent scoring")
    total_s: float
    dataset_id: str | None = None
    rows_saved: int = Field(default=0, description="rows written to dataset_id")


class SyntheticDataGenerationResponse(BaseModel):
    synthetic_data: list[SyntheticDialog] = Field(description="one entry per dialog, in request order")
    statistics: SyntheticDataStatistics


class SyntheticDataProgress(BaseModel):
    dialogs_done: int
    dialogs_total: int
    generated: int
    kept: int


class SyntheticDataJobRequest(BaseModel):
    job_id: str = Field(min_length=1)


class SyntheticDataJob(BaseModel):
    job_id: str
    status: JobStatus
    progress: SyntheticDataProgress | None = None
    error: str | None = None
    created_at: datetime
    started_at: datetime | None = None
    completed_at: datetime | None = None
    params: dict[str, Any] = Field(default_factory=dict, description="the request, as submitted")
