"""Request and response shapes of the eval API, as seeds/002 and llama-stack-client 0.3.x define them."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from plugstack.apis.inference.models import ContentPart
from plugstack.apis.scoring.models import Row, ScoringFnParams, ScoringResult
from plugstack.jobs.models import JobStatus
from plugstack.registry.resources import Resource


class Benchmark(Resource):
    """A dataset and the scoring functions that grade generations on it."""

    type: Literal["benchmark"] = "benchmark"
    dataset_id: str = Field(description="the dataset whose rows are evaluated")
    scoring_functions: list[str] = Field(description="scoring function ids applied to every generation")


class RegisterBenchmarkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    benchmark_id: str = Field(min_length=1, description="the id clients will use")
    dataset_id: str = Field(min_length=1)
    scoring_functions: list[str] = Field(min_length=1)
    provider_benchmark_id: str | None = Field(default=None, description="the id inside the provider")
    provider_id: str | None = Field(default=None, description="defaults to the only eval provider")
    metadata: dict[str, Any] = Field(default_factory=dict)


class ListBenchmarksResponse(BaseModel):
    data: list[Benchmark]


class GreedySamplingStrategy(BaseModel):
    type: Literal["greedy"] = "greedy"


class TopPSamplingStrategy(BaseModel):
    type: Literal["top_p"] = "top_p"
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=0.95, gt=0, le=1)


class TopKSamplingStrategy(BaseModel):
    type: Literal["top_k"] = "top_k"
    top_k: int = Field(ge=1)


SamplingStrategy = Annotated[
    GreedySamplingStrategy | TopPSamplingStrategy | TopKSamplingStrategy, Field(discriminator="type")
]


class SamplingParams(BaseModel):
    """Llama Stack's sampling parameters; the eval provider maps them onto a chat completion request."""

    strategy: SamplingStrategy = Field(default_factory=GreedySamplingStrategy)
    max_tokens: int | None = Field(default=None, ge=0, description="0 or null: the inference provider's default")
    repetition_penalty: float | None = 1.0
    stop: list[str] | None = Field(default=None, max_length=4)


class SystemMessage(BaseModel):
    role: Literal["system"] = "system"
    content: str | ContentPart | list[ContentPart]


class ModelCandidate(BaseModel):
    type: Literal["model"] = "model"
    model: str = Field(min_length=1, description="a registered model id")
    sampling_params: SamplingParams = Field(default_factory=SamplingParams)
    system_message: SystemMessage | None = None


class AgentCandidate(BaseModel):
    type: Literal["agent"] = "agent"
    config: dict[str, Any] = Field(description="an AgentConfig")


EvalCandidate = Annotated[ModelCandidate | AgentCandidate, Field(discriminator="type")]


class BenchmarkConfig(BaseModel):
    eval_candidate: EvalCandidate
    scoring_params: dict[str, ScoringFnParams] = Field(
        default_factory=dict, description="scoring function id -> parameters overriding its registered ones"
    )
    num_examples: int | None = Field(default=None, ge=1, description="evaluate only the first rows; default all")


class EvaluateRowsBody(BaseModel):
    """The body of POST .../evaluations."""

    input_rows: list[Row] = Field(min_length=1)
    scoring_functions: list[str] = Field(min_length=1)
    benchmark_config: BenchmarkConfig


class EvaluateRowsRequest(EvaluateRowsBody):
    benchmark_id: str = Field(min_length=1)


class RunEvalBody(BaseModel):
    """The body of POST .../jobs."""

    benchmark_config: BenchmarkConfig


class RunEvalRequest(RunEvalBody):
    benchmark_id: str = Field(min_length=1)


class JobRequest(BaseModel):
    benchmark_id: str = Field(min_length=1)
    job_id: str = Field(min_length=1)


class EvaluateResponse(BaseModel):
    generations: list[Row] = Field(description="one per evaluated row, with `generated_answer`")
    scores: dict[str, ScoringResult] = Field(description="scoring function id -> its result")


class EvalProgress(BaseModel):
    rows_done: int = Field(description="rows generated so far")
    rows_total: int = Field(description="rows to generate")
    phase: Literal["generating", "scoring"] = "generating"


class EvalJob(BaseModel):
    """The seed's `Job` (job_id, status), with what the job table knows besides."""

    job_id: str
    status: JobStatus
    progress: EvalProgress | None = None
    error: str | None = Field(default=None, description="why the job failed")
    created_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
