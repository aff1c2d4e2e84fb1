"""The filtering functions, as pure functions of the scores and the seed."""

import math
from collections import Counter

import pytest

from plugstack.apis.synthetic_data_generation.models import FilteringParams
from plugstack_synthetic_data.filtering import keep, sigmoid, softmax

SCORES = [0.5, 3.0, -1.0, 2.0, 3.0]  # best first, ties in generation order: 1, 4, 3, 0, 2


def test_none_keeps_every_candidate_best_first() -> None:
    assert keep(SCORES, "none", FilteringParams()) == [1, 4, 3, 0, 2]
    assert keep([], "none", FilteringParams()) == []


@pytest.mark.parametrize(("k", "kept"), [(1, [1]), (3, [1, 4, 3]), (9, [1, 4, 3, 0, 2])])
def test_top_k_keeps_k(k: int, kept: list[int]) -> None:
    assert keep(SCORES, "top_k", FilteringParams(top_k=k)) == kept


def test_top_p_keeps_the_smallest_set_reaching_p_of_the_softmax_mass() -> None:
    probabilities = softmax(SCORES)
    assert math.isclose(sum(probabilities), 1.0)
    for p in (0.05, 0.3, 0.5, 0.8, 0.95, 0.999, 1.0):
        kept = keep(SCORES, "top_p", FilteringParams(top_p=p))
        mass = sum(probabilities[i] for i in kept)
        assert mass >= p - 1e-9, (p, kept)
        assert sum(probabilities[i] for i in kept[:-1]) < p, (p, kept)  # one fewer would not reach p
        assert kept == [1, 4, 3, 0, 2][: len(kept)]


def test_top_p_on_equal_scores_keeps_a_share_of_them() -> None:
    assert keep([1.0] * 4, "top_p", FilteringParams(top_p=0.5)) == [0, 1]
    assert keep([1.0] * 4, "top_p", FilteringParams(top_p=0.51)) == [0, 1, 2]


def test_top_p_depends_on_score_differences_only() -> None:
    params = FilteringParams(top_p=0.7)
    assert keep(SCORES, "top_p", params) == keep([s + 100 for s in SCORES], "top_p", params)


def test_top_k_top_p_is_the_shorter_of_the_two() -> None:
    wide_p = FilteringParams(top_k=2, top_p=0.999)
    assert keep(SCORES, "top_k_top_p", wide_p) == keep(SCORES, "top_k", wide_p) == [1, 4]
    narrow_p = FilteringParams(top_k=4, top_p=0.3)
    assert keep(SCORES, "top_k_top_p", narrow_p) == keep(SCORES, "top_p", narrow_p) == [1]


def test_sigmoid_keeps_each_with_probability_sigmoid_of_its_score() -> None:
    scores = [-2.0, 0.0, 1.0, 3.0]
    counts: Counter[int] = Counter()
    trials = 4000
    for stream in range(trials):
        counts.update(keep(scores, "sigmoid", FilteringParams(seed=7), stream=stream))
    for index, score in enumerate(scores):
        assert abs(counts[index] / trials - sigmoid(score)) < 0.03, (score, counts[index] / trials)


def test_sigmoid_extremes_and_stability() -> None:
    assert keep([50.0, -50.0], "sigmoid", FilteringParams()) == [0]
    assert sigmoid(-1000.0) == 0.0 and sigmoid(1000.0) == 1.0


@pytest.mark.parametrize("function", ["sigmoid", "random"])
def test_random_filters_are_seeded(function: str) -> None:
    scores = [0.1 * i for i in range(12)]
    runs = {tuple(keep(scores, function, FilteringParams(seed=3, top_k=5), stream=s)) for s in range(20)}  # type: ignore[arg-type]
    assert len(runs) > 1  # streams (dialogs) draw differently
    for stream in range(5):
        first = keep(scores, function, FilteringParams(seed=3, top_k=5), stream=stream)  # type: ignore[arg-type]
        assert keep(scores, function, FilteringParams(seed=3, top_k=5), stream=stream) == first  # type: ignore[arg-type]


def test_random_keeps_top_k_candidates_uniformly() -> None:
    scores = [float(i) for i in range(6)]
    counts: Counter[int] = Counter()
    for stream in range(3000):
        kept = keep(scores, "random", FilteringParams(top_k=2, seed=1), stream=stream)
        assert len(kept) == 2 and kept == sorted(kept, key=lambda i: -scores[i])
        counts.update(kept)
    assert all(abs(counts[i] / 3000 - 2 / 6) < 0.04 for i in range(6)), counts
