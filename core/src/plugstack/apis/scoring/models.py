"""Request and response shapes of the scoring API, as seeds/002 and llama-stack-client 0.3.x define them."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from plugstack.registry.resources import Resource

Row = dict[str, Any]
AggregationFunction = Literal["average", "weighted_average", "median", "categorical_count", "accuracy"]
ReturnTypeName = Literal[
    "string",
    "number",
    "boolean",
    "array",
    "object",
    "json",
    "union",
    "chat_completion_input",
    "completion_input",
    "agent_turn_input",
]


class LLMAsJudgeScoringFnParams(BaseModel):
    """A judge model reads each row through ``prompt_template`` and its reply is parsed for a score."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["llm_as_judge"] = "llm_as_judge"
    judge_model: str = Field(min_length=1, description="a registered model id that judges")
    prompt_template: str | None = Field(
        default=None,
        description="format string over the row's columns ({input_query}, {expected_answer}, {generated_answer}, ...); "
        "default: the provider's grading prompt",
    )
    judge_score_regexes: list[str] = Field(
        default_factory=list, description="regexes whose first group is the score; default: the provider's"
    )
    aggregation_functions: list[AggregationFunction] = Field(default_factory=list)


class RegexParserScoringFnParams(BaseModel):
    """The answer is the first group of the first of ``parsing_regexes`` that matches the generation."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["regex_parser"] = "regex_parser"
    parsing_regexes: list[str] = Field(default_factory=list, description="default: the function's own")
    aggregation_functions: list[AggregationFunction] = Field(default_factory=list)


class BasicScoringFnParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["basic"] = "basic"
    aggregation_functions: list[AggregationFunction] = Field(default_factory=list)


ScoringFnParams = Annotated[
    LLMAsJudgeScoringFnParams | RegexParserScoringFnParams | BasicScoringFnParams, Field(discriminator="type")
]


class ReturnType(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: ReturnTypeName


class ScoringFn(Resource):
    """A registered scoring function: what it returns and its default parameters."""

    type: Literal["scoring_function"] = "scoring_function"
    description: str | None = None
    return_type: ReturnType
    params: ScoringFnParams | None = Field(default=None, description="defaults; a score request may override them")


class RegisterScoringFnRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scoring_fn_id: str = Field(min_length=1, description="the id clients will use")
    description: str = ""
    return_type: ReturnType = Field(default_factory=lambda: ReturnType(type="number"))
    params: ScoringFnParams | None = None
    provider_id: str | None = Field(default=None, description="default: the scoring provider that accepts it")
    provider_scoring_fn_id: str | None = Field(
        default=None, description="the function inside the provider (e.g. 'llm-as-judge::base'); default scoring_fn_id"
    )
    metadata: dict[str, Any] = Field(default_factory=dict)


class ListScoringFunctionsResponse(BaseModel):
    data: list[ScoringFn]


class ScoringResult(BaseModel):
    score_rows: list[Row] = Field(description="one result per input row, in order; each has `score`")
    aggregated_results: dict[str, Any] = Field(
        description="aggregation function -> its metrics, e.g. {'accuracy': {'accuracy': 0.5, 'num_correct': 1.0, "
        "'num_total': 2}}"
    )


class ScoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input_rows: list[Row] = Field(description="rows with the columns the functions read")
    scoring_functions: dict[str, ScoringFnParams | None] = Field(
        min_length=1, description="scoring function id -> parameters (null: its registered ones)"
    )


class ScoreResponse(BaseModel):
    results: dict[str, ScoringResult] = Field(description="scoring function id -> its result")


class ScoreBatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset_id: str = Field(min_length=1, description="the dataset whose rows are scored")
    scoring_functions: dict[str, ScoringFnParams | None] = Field(min_length=1)
    save_results_dataset: bool = Field(default=False, description="also register a dataset of the scored rows")


class ScoreBatchResponse(BaseModel):
    results: dict[str, ScoringResult]
    dataset_id: str | None = Field(
        default=None, description="the dataset of scored rows (each row plus one column per function), when saved"
    )


class ScoreRowsRequest(BaseModel):
    """What the router asks of a scoring provider: one function over some rows."""

    scoring_fn: ScoringFn = Field(description="the registered function; its provider_resource_id names the scorer")
    params: ScoringFnParams | None = Field(description="the request's parameters, else the registered ones")
    input_rows: list[Row]
