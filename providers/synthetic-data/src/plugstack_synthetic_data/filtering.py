"""The filtering functions: which of one dialog's k scored candidates are kept.

Pure functions of the scores (and a seed, for the random ones): the same scores and seed always
keep the same candidates. Scores are read as logits. Kept indices come best score first (ties in
generation order).

- ``none``: every candidate.
- ``top_k``: the ``top_k`` best.
- ``top_p``: the fewest best candidates whose probability mass reaches ``top_p``, the
  probabilities being the softmax of the scores (so only score differences matter).
- ``top_k_top_p``: the shorter of the two: the ``top_p`` set, cut to at most ``top_k``.
- ``sigmoid``: each candidate independently, with probability sigmoid(score).
- ``random``: ``top_k`` candidates drawn uniformly at random (the baseline for ``top_k``).
"""

import math
import random
from collections.abc import Sequence

from plugstack.apis.synthetic_data_generation.models import FilteringFunction, FilteringParams

MASS_TOLERANCE = 1e-9  # float sums that should reach p exactly may fall short by an ulp


def ranked(scores: Sequence[float]) -> list[int]:
    """Candidate indices, best score first; ties keep generation order."""
    return sorted(range(len(scores)), key=lambda index: (-scores[index], index))


def softmax(scores: Sequence[float]) -> list[float]:
    top = max(scores)
    weights = [math.exp(score - top) for score in scores]
    total = sum(weights)
    return [weight / total for weight in weights]


def sigmoid(score: float) -> float:
    if score >= 0:
        return 1 / (1 + math.exp(-score))
    weight = math.exp(score)
    return weight / (1 + weight)


def _top_p(scores: Sequence[float], p: float) -> list[int]:
    probabilities = softmax(scores)
    kept: list[int] = []
    mass = 0.0
    for index in ranked(scores):
        kept.append(index)
        mass += probabilities[index]
        if mass >= p - MASS_TOLERANCE:
            break
    return kept


def _rng(params: FilteringParams, stream: int) -> random.Random:
    """One generator per dialog (``stream``), so dialogs do not share draws."""
    return random.Random(f"{params.seed}:{stream}")


def keep(scores: Sequence[float], function: FilteringFunction, params: FilteringParams, stream: int = 0) -> list[int]:
    """Indices of the kept candidates among ``scores``, best first."""
    if not scores:
        return []
    order = ranked(scores)
    if function == "none":
        return order
    if function == "top_k":
        return order[: params.top_k]
    if function == "top_p":
        return _top_p(scores, params.top_p)
    if function == "top_k_top_p":
        return _top_p(scores, params.top_p)[: params.top_k]
    rng = _rng(params, stream)
    if function == "sigmoid":
        chosen = {index for index in range(len(scores)) if rng.random() < sigmoid(scores[index])}
    else:  # random
        chosen = set(rng.sample(range(len(scores)), min(params.top_k, len(scores))))
    return [index for index in order if index in chosen]
