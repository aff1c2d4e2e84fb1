"""The judge's parsing and parameters, for replies that engines without constrained decoding give."""

import pytest

from plugstack.apis.reward_scoring.models import RewardModel
from plugstack.errors import BadRequestError
from plugstack_reward.config import JudgeConfig
from plugstack_reward.judge import judge_params, parse_score, score_format


@pytest.mark.parametrize(
    ("reply", "score"),
    [
        ('{"score": 4}', 4.0),
        ('{"score": 2.5}', 2.5),
        ("Score: 7/10 - good answer", 7.0),
        ("I would give it -3", -3.0),
        ('{"score": true} and 3', 3.0),
        ("No number here.", None),
        ("", None),
    ],
)
def test_parse_score(reply: str, score: float | None) -> None:
    assert parse_score(reply) == score


def test_params_merge_over_the_config_and_name_the_bad_field() -> None:
    config = JudgeConfig(min_score=1, max_score=5)
    resource = RewardModel(identifier="j", provider_id="p", params={"max_score": 9})
    assert (judge_params(config, resource).min_score, judge_params(config, resource).max_score) == (1, 9)
    with pytest.raises(BadRequestError, match=r"params\.max_score"):
        judge_params(config, RewardModel(identifier="j", provider_id="p", params={"max_score": "ten"}))


def test_the_constrained_format_enumerates_the_scale() -> None:
    schema = score_format(JudgeConfig(min_score=1, max_score=5)).json_schema.schema_
    assert schema["properties"]["score"]["enum"] == [1, 2, 3, 4, 5]
    assert schema["required"] == ["score"]
