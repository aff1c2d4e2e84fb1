"""What the scoring providers share: their built-in functions, announced and checked the same way."""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from plugstack.apis.scoring.aggregations import aggregate
from plugstack.apis.scoring.models import (
    AggregationFunction,
    RegisterScoringFnRequest,
    ReturnTypeName,
    Row,
    ScoreRowsRequest,
    ScoringFn,
    ScoringFnParams,
    ScoringResult,
)
from plugstack.errors import BadRequestError

SCORING_FUNCTION = "scoring_function"


@dataclass(frozen=True)
class FunctionDef:
    """A built-in scoring function: its id, what it returns, and which parameters it takes."""

    identifier: str
    description: str
    return_type: ReturnTypeName
    params_types: tuple[str, ...]
    default_params: ScoringFnParams | None
    default_aggregations: tuple[AggregationFunction, ...]

    def register_request(self) -> dict[str, Any]:
        return RegisterScoringFnRequest(
            scoring_fn_id=self.identifier,
            description=self.description,
            return_type={"type": self.return_type},  # type: ignore[arg-type]
            params=self.default_params,
        ).model_dump(mode="json")


class BuiltinScoring(ABC):
    """A scoring provider that serves a fixed set of functions (and registrations of them)."""

    functions: dict[str, FunctionDef]

    async def list_resources(self, kind_type: str) -> list[dict[str, Any]]:
        """The built-in functions, so they are listed without any run.yaml entry."""
        if kind_type != SCORING_FUNCTION:
            return []
        return [definition.register_request() for definition in self.functions.values()]

    def definition(self, fn: ScoringFn) -> FunctionDef:
        """The built-in behind a registered function (its provider_resource_id)."""
        name = fn.provider_resource_id or fn.identifier
        found = self.functions.get(name)
        if found is None:
            raise BadRequestError(
                f"scoring function {fn.identifier!r}: {name!r} is not a function of this provider "
                f"(it has: {', '.join(sorted(self.functions))}); pass provider_scoring_fn_id"
            )
        return found

    def accepts(self, request: BaseModel) -> bool:
        """A registration without provider_id is ours when it names one of our functions."""
        name = getattr(request, "provider_scoring_fn_id", None) or getattr(request, "scoring_fn_id", None)
        return name in self.functions

    async def register_resource(self, fn: ScoringFn) -> ScoringFn:
        self._params(self.definition(fn), fn.params, fn.identifier)
        return fn

    @staticmethod
    def _params(definition: FunctionDef, params: ScoringFnParams | None, fn_id: str) -> ScoringFnParams | None:
        if params is not None and params.type not in definition.params_types:
            raise BadRequestError(
                f"scoring function {fn_id!r} takes params of type {' or '.join(definition.params_types)}, "
                f"not {params.type!r}"
            )
        return params or definition.default_params

    async def score_rows(self, request: ScoreRowsRequest) -> ScoringResult:
        fn = request.scoring_fn
        definition = self.definition(fn)
        params = self._params(definition, request.params, fn.identifier)
        score_rows = await self.score(definition, params, request.input_rows, fn.identifier)
        aggregations = (params.aggregation_functions if params else None) or list(definition.default_aggregations)
        return ScoringResult(score_rows=score_rows, aggregated_results=aggregate(aggregations, score_rows))

    @abstractmethod
    async def score(
        self, definition: FunctionDef, params: ScoringFnParams | None, rows: list[Row], fn_id: str
    ) -> list[Row]:
        """One score row (with ``score``) per input row, in order."""
