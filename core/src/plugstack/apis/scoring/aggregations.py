"""Aggregations of score rows, shared by every scoring provider.

Results are keyed by aggregation function, each value that function's own mapping, as Llama
Stack returns them (clients read ``aggregated_results["accuracy"]["accuracy"]``):
``{"accuracy": {"accuracy": 0.6, "num_correct": 3.0, "num_total": 5}, "median": {"median": 1.0}}``.

Rows whose ``score`` is null (a judge reply that matched no regex, say) were not scored:
every aggregation leaves them out, so one unparsable row never turns an average into an
error or a zero. With nothing left to aggregate, a metric is null, never a division by zero.
"""

import json
import math
import statistics
from collections import Counter
from collections.abc import Callable
from typing import Any

from plugstack.apis.scoring.models import AggregationFunction, Row
from plugstack.errors import BadRequestError

WEIGHT_COLUMN = "weight"


def _scores(rows: list[Row]) -> list[Any]:
    return [row.get("score") for row in rows if row.get("score") is not None]


def _number(value: Any) -> float | None:
    """A score as a number: booleans count 1/0, numeric strings parse; anything else is not a number."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return None if math.isnan(value) else float(value)
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return None if math.isnan(number) else number
    return None


def _numbers(rows: list[Row], metric: str) -> list[float]:
    numbers = []
    for value in _scores(rows):
        number = _number(value)
        if number is None:
            raise BadRequestError(f"aggregation {metric!r} needs numeric scores, got {value!r}")
        numbers.append(number)
    return numbers


def average(rows: list[Row]) -> dict[str, Any]:
    numbers = _numbers(rows, "average")
    return {"average": statistics.fmean(numbers) if numbers else None}


def weighted_average(rows: list[Row]) -> dict[str, Any]:
    """Weights come from each score row's ``weight`` (default 1); a total weight of 0 gives null."""
    total = weight_sum = 0.0
    for row in rows:
        if row.get("score") is None:
            continue
        score = _number(row["score"])
        weight = _number(row.get(WEIGHT_COLUMN, 1.0))
        if score is None or weight is None or weight < 0:
            raise BadRequestError(
                f"aggregation 'weighted_average' needs numeric scores and non-negative weights, "
                f"got score {row['score']!r} weight {row.get(WEIGHT_COLUMN)!r}"
            )
        total += score * weight
        weight_sum += weight
    return {"weighted_average": total / weight_sum if weight_sum else None}


def median(rows: list[Row]) -> dict[str, Any]:
    numbers = _numbers(rows, "median")
    return {"median": statistics.median(numbers) if numbers else None}


def categorical_count(rows: list[Row]) -> dict[str, Any]:
    """How often each score occurs, keyed by the score as text (JSON for non-strings: 1.0, true)."""
    counts = Counter(value if isinstance(value, str) else json.dumps(value) for value in _scores(rows))
    return {"categorical_count": dict(sorted(counts.items()))}


def accuracy(rows: list[Row]) -> dict[str, Any]:
    """Share of scored rows whose score is 1 (or true); ``num_correct`` is a float, as in Llama Stack."""
    numbers = _numbers(rows, "accuracy")
    correct = float(sum(1 for number in numbers if number == 1.0))
    return {
        "accuracy": correct / len(numbers) if numbers else None,
        "num_correct": correct,
        "num_total": len(numbers),
    }


AGGREGATIONS: dict[AggregationFunction, Callable[[list[Row]], dict[str, Any]]] = {
    "average": average,
    "weighted_average": weighted_average,
    "median": median,
    "categorical_count": categorical_count,
    "accuracy": accuracy,
}


def aggregate(functions: list[AggregationFunction], rows: list[Row]) -> dict[str, dict[str, Any]]:
    """One entry per requested aggregation (duplicates once): its name -> its metrics."""
    return {name: AGGREGATIONS[name](rows) for name in dict.fromkeys(functions)}
