"""Scorers, answer extraction, aggregations and row columns, without a server."""

import asyncio
import math

import pytest

from plugstack.apis.eval.models import ModelCandidate
from plugstack.apis.inference.models import (
    ChatCompletion,
    ChatCompletionChoice,
    ChatCompletionMessage,
    ChatCompletionRequest,
    ChatMessage,
)
from plugstack.apis.scoring import columns
from plugstack.apis.scoring.aggregations import aggregate
from plugstack.apis.scoring.models import (
    BasicScoringFnParams,
    LLMAsJudgeScoringFnParams,
    RegexParserScoringFnParams,
    ReturnType,
    ScoreRowsRequest,
    ScoringFn,
)
from plugstack.errors import BadRequestError
from plugstack_eval.answers import extract_math, last_boxed, math_equal, normalize_math
from plugstack_eval.basic import BasicScoring
from plugstack_eval.concurrency import bounded_map
from plugstack_eval.config import LLMAsJudgeConfig
from plugstack_eval.generation import chat_request
from plugstack_eval.judge import LLMAsJudgeScoring, parse_score, render


def fn(identifier: str, provider_fn: str | None = None) -> ScoringFn:
    return ScoringFn(
        identifier=identifier,
        provider_id="p",
        provider_resource_id=provider_fn or identifier,
        return_type=ReturnType(type="number"),
    )


def score(fn_id: str, rows: list[dict[str, object]], params: object = None) -> dict[str, object]:
    request = ScoreRowsRequest(scoring_fn=fn(fn_id), params=params, input_rows=rows)
    return asyncio.run(BasicScoring().score_rows(request)).model_dump()


# -- basic scorers ------------------------------------------------------------------------


def test_equality_and_subset_read_both_column_namings() -> None:
    rows = [
        {"expected_answer": "Paris", "generated_answer": " Paris\n"},
        {"answer": "Paris", "generated_answer": "It is paris, of course."},
    ]
    assert [r["score"] for r in score("basic::equality", rows)["score_rows"]] == [1.0, 0.0]
    subset = score("basic::subset_of", rows)
    assert [r["score"] for r in subset["score_rows"]] == [1.0, 1.0]
    assert subset["aggregated_results"] == {"accuracy": {"accuracy": 1.0, "num_correct": 2.0, "num_total": 2}}


@pytest.mark.parametrize(
    ("generated", "expected", "correct"),
    [
        ("Answer: B", "B", True),
        ("The answer is (c).", "C", False),  # lower-case letters are words, not choices
        ("the answer is (C).", "(C) Paris", True),
        ("I pick option D because it is right", "D", True),
        ("B) 42", "B", True),
        ("A long reply with no choice in it", "A", False),
        ("answer is a good question", "A", False),
    ],
)
def test_multiple_choice_extraction(generated: str, expected: str, correct: bool) -> None:
    row = score("basic::regex_parser_multiple_choice_answer", [{"answer": expected, "generated_answer": generated}])
    assert row["score_rows"][0]["score"] == (1.0 if correct else 0.0)


def test_multiple_choice_takes_custom_regexes() -> None:
    params = RegexParserScoringFnParams(parsing_regexes=[r"\[\[([A-D])\]\]"], aggregation_functions=["average"])
    result = score("basic::regex_parser_multiple_choice_answer", [{"answer": "C", "generated_answer": "[[C]]"}], params)
    assert result["score_rows"][0] == {"score": 1.0, "parsed_answer": "C"}
    assert result["aggregated_results"] == {"average": {"average": 1.0}}


@pytest.mark.parametrize(
    ("generated", "expected", "correct"),
    [
        ("so x = \\boxed{\\frac{1}{2}}", "0.5", True),
        ("The final answer is $\\dfrac{3}{4}$.", "\\frac{3}{4}", True),
        ("Final Answer: 1,000 dollars", "1000", True),
        ("The answer is 50\\%", "50", True),
        ("\\boxed{\\text{(B)}}", "(B)", True),
        ("\\boxed{x^{2}+1}", "x^{2}+1", True),
        ("\\boxed{3}", "4", False),
        ("I do not know", "4", False),
    ],
)
def test_math_response(generated: str, expected: str, correct: bool) -> None:
    row = score("basic::regex_parser_math_response", [{"expected_answer": expected, "generated_answer": generated}])
    assert row["score_rows"][0]["score"] == (1.0 if correct else 0.0)


def test_math_helpers() -> None:
    assert last_boxed("a \\boxed{1} then \\boxed{\\frac{a}{b}} end") == "\\frac{a}{b}"
    assert last_boxed("cut off \\boxed{\\frac{1}{") is None
    assert extract_math("no answer here") is None
    assert normalize_math("\\text{5 inches}") == "5"
    assert math_equal("-\\frac{1}{4}", "-0.25")
    assert not math_equal("1/0", "0")


def test_missing_columns_are_400s_naming_them() -> None:
    with pytest.raises(BadRequestError, match="row 1 has no 'generated_answer' column"):
        score("basic::equality", [{"answer": "a", "generated_answer": "a"}, {"answer": "a"}])
    with pytest.raises(BadRequestError, match=r"no 'expected_answer' column \(nor 'answer'\)"):
        score("basic::subset_of", [{"generated_answer": "a"}])


def test_unknown_function_and_wrong_params_are_refused() -> None:
    with pytest.raises(BadRequestError, match="not a function of this provider"):
        asyncio.run(BasicScoring().register_resource(fn("mine", "basic::nope")))
    wrong = LLMAsJudgeScoringFnParams(judge_model="m")
    with pytest.raises(BadRequestError, match="takes params of type basic"):
        score("basic::equality", [{"answer": "a", "generated_answer": "a"}], wrong)


def test_builtins_are_announced() -> None:
    announced = asyncio.run(BasicScoring().list_resources("scoring_function"))
    assert {item["scoring_fn_id"] for item in announced} == {
        "basic::equality",
        "basic::subset_of",
        "basic::regex_parser_multiple_choice_answer",
        "basic::regex_parser_math_response",
    }
    assert asyncio.run(BasicScoring().list_resources("model")) == []


# -- aggregations -------------------------------------------------------------------------


def rows(*scores: object, weights: list[float] | None = None) -> list[dict[str, object]]:
    made = [{"score": value} for value in scores]
    for row, weight in zip(made, weights or [], strict=False):
        row["weight"] = weight
    return made


def test_aggregations_on_empty_input_are_null_not_errors() -> None:
    result = aggregate(["average", "weighted_average", "median", "categorical_count", "accuracy"], [])
    assert result == {
        "average": {"average": None},
        "weighted_average": {"weighted_average": None},
        "median": {"median": None},
        "categorical_count": {"categorical_count": {}},
        "accuracy": {"accuracy": None, "num_correct": 0.0, "num_total": 0},
    }


def test_results_are_keyed_by_function_as_llama_stack_returns_them() -> None:
    """One entry per requested function (duplicates once), each that function's own mapping."""
    result = aggregate(
        ["accuracy", "median", "categorical_count", "average", "accuracy"], rows(1.0, 0.0, 1.0, 1.0, 0.0)
    )
    assert result == {
        "accuracy": {"accuracy": 0.6, "num_correct": 3.0, "num_total": 5},
        "median": {"median": 1.0},
        "categorical_count": {"categorical_count": {"0.0": 2, "1.0": 3}},
        "average": {"average": 0.6},
    }
    assert isinstance(result["accuracy"]["num_correct"], float)
    assert aggregate([], rows(1.0)) == {}


def test_aggregations_leave_null_scores_out() -> None:
    scored = rows(1.0, None, 0.0, 1.0, None)
    assert aggregate(["average"], scored) == {"average": {"average": pytest.approx(2 / 3)}}
    assert aggregate(["median"], scored) == {"median": {"median": 1.0}}
    assert aggregate(["accuracy"], scored) == {
        "accuracy": {"accuracy": pytest.approx(2 / 3), "num_correct": 2.0, "num_total": 3}
    }
    assert aggregate(["average"], rows(None, None)) == {"average": {"average": None}}


def test_median_of_even_count_and_booleans() -> None:
    assert aggregate(["median"], rows(1, 4, 2, 10)) == {"median": {"median": 3.0}}
    assert aggregate(["average", "accuracy"], rows(True, False, True, True)) == {
        "average": {"average": 0.75},
        "accuracy": {"accuracy": 0.75, "num_correct": 3.0, "num_total": 4},
    }


def test_weighted_average() -> None:
    def weighted(*scores: object, weights: list[float] | None = None) -> object:
        return aggregate(["weighted_average"], rows(*scores, weights=weights))["weighted_average"]

    assert weighted(1.0, 0.0, weights=[3, 1]) == {"weighted_average": 0.75}
    assert weighted(1.0, 0.0) == {"weighted_average": 0.5}
    assert weighted(1.0, weights=[0]) == {"weighted_average": None}
    with pytest.raises(BadRequestError, match="non-negative weights"):
        aggregate(["weighted_average"], rows(1.0, weights=[-1]))


def test_categorical_count_keys_every_kind_of_score() -> None:
    result = aggregate(["categorical_count"], rows("A", "B", "A", 1.0, True, None))
    assert result == {"categorical_count": {"categorical_count": {"1.0": 1, "A": 2, "B": 1, "true": 1}}}


def test_numeric_aggregation_of_text_scores_is_a_400() -> None:
    assert aggregate(["average"], rows("4", 2)) == {"average": {"average": 3.0}}
    with pytest.raises(BadRequestError, match="needs numeric scores, got 'A'"):
        aggregate(["average"], rows("A"))
    with pytest.raises(BadRequestError, match="needs numeric scores, got nan"):
        aggregate(["median"], rows(math.nan, 1.0))


# -- columns and generation ---------------------------------------------------------------


def test_input_messages_from_every_naming() -> None:
    as_json = '[{"role": "system", "content": "terse"}, {"role": "user", "content": "Hi?"}]'
    by_column = {
        "chat_completion_input": as_json,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi?"}]}],
        "input_query": "Hi?",
        "question": "Hi?",
    }
    for column, raw in by_column.items():
        messages = columns.input_messages({column: raw}, 0, "the candidate")
        assert messages is not None and messages[-1].text() == "Hi?", column
        assert columns.value({column: raw}, "input_query", 0, "x") == "Hi?"
    with pytest.raises(BadRequestError, match=r"row 2 has no 'input_query' column .*'question'.*'messages'"):
        columns.input_messages({"answer": "a"}, 2, "the candidate")
    with pytest.raises(BadRequestError, match="'chat_completion_input' is not a list of chat messages"):
        columns.input_messages({"chat_completion_input": "not json"}, 0, "the candidate")


def test_candidate_sampling_maps_to_a_chat_request() -> None:
    candidate = ModelCandidate.model_validate(
        {
            "model": "m",
            "sampling_params": {"strategy": {"type": "top_k", "top_k": 5}, "max_tokens": 0, "stop": ["\n"]},
            "system_message": {"role": "system", "content": {"type": "text", "text": "be brief"}},
        }
    )
    request = chat_request(candidate, [ChatMessage(role="user", content="q")])
    assert request.max_tokens is None and request.stop == ["\n"] and request.model_extra == {"top_k": 5}
    assert [m.role for m in request.messages] == ["system", "user"] and request.messages[0].text() == "be brief"
    greedy = chat_request(ModelCandidate(model="m"), [ChatMessage(role="user", content="q")])
    assert greedy.temperature == 0.0


def test_bounded_map_limits_concurrency_and_keeps_order() -> None:
    running = peak = 0
    done: list[int] = []

    async def work(index: int, item: int) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.001 * (item % 3))
        running -= 1
        return item * 2

    async def on_done(count: int) -> None:
        done.append(count)

    assert asyncio.run(bounded_map(list(range(20)), work, 3, on_done)) == [i * 2 for i in range(20)]
    assert peak == 3 and done == list(range(1, 21))
    assert asyncio.run(bounded_map([], work, 3)) == []


def test_bounded_map_raises_the_first_failure() -> None:
    async def work(index: int, item: int) -> int:
        if item == 2:
            raise BadRequestError("row 2 is bad")
        await asyncio.sleep(0.01)
        return item

    with pytest.raises(BadRequestError, match="row 2 is bad"):
        asyncio.run(bounded_map(list(range(10)), work, 2))


# -- LLM as judge -------------------------------------------------------------------------


class ScriptedJudge:
    """An inference API that replies with the given texts in turn and records the prompts."""

    def __init__(self, replies: list[str]) -> None:
        self.replies = iter(replies)
        self.prompts: list[str] = []

    async def chat_completion(self, request: ChatCompletionRequest) -> ChatCompletion:
        self.prompts.append(request.messages[0].text())
        message = ChatCompletionMessage(content=next(self.replies))
        return ChatCompletion(
            model=request.model, choices=[ChatCompletionChoice(index=0, message=message, finish_reason="stop")]
        )


def test_judge_scores_and_unparsable_replies_are_null() -> None:
    judge = ScriptedJudge(["Score: 4", "I cannot decide", "score = 2.5"])
    provider = LLMAsJudgeScoring(LLMAsJudgeConfig(max_concurrency=1), judge)  # type: ignore[arg-type]
    params = LLMAsJudgeScoringFnParams(
        judge_model="j", prompt_template="Q={question} A={answer} G={generated_answer}",
        aggregation_functions=["average", "categorical_count"],
    )  # fmt: skip
    rows_in = [{"question": f"q{i}", "answer": f"a{i}", "generated_answer": f"g{i}"} for i in range(3)]
    request = ScoreRowsRequest(scoring_fn=fn("llm-as-judge::base"), params=params, input_rows=rows_in)
    result = asyncio.run(provider.score_rows(request))
    assert [row["score"] for row in result.score_rows] == [4.0, None, 2.5]
    assert result.score_rows[1]["judge_feedback"] == "I cannot decide"
    assert result.aggregated_results == {
        "average": {"average": 3.25},
        "categorical_count": {"categorical_count": {"2.5": 1, "4.0": 1}},
    }
    assert judge.prompts[0] == "Q=q0 A=a0 G=g0"


def test_default_aggregations_are_llama_stacks() -> None:
    """Basic functions aggregate as accuracy; the judge, like Llama Stack's, only as asked."""
    row = {"question": "q", "answer": "a", "generated_answer": "a"}
    assert score("basic::equality", [row])["aggregated_results"] == {
        "accuracy": {"accuracy": 1.0, "num_correct": 1.0, "num_total": 1}
    }
    provider = LLMAsJudgeScoring(LLMAsJudgeConfig(), ScriptedJudge(["Score: 4"]))  # type: ignore[arg-type]
    params = LLMAsJudgeScoringFnParams(judge_model="j")
    request = ScoreRowsRequest(scoring_fn=fn("llm-as-judge::base"), params=params, input_rows=[row])
    assert asyncio.run(provider.score_rows(request)).aggregated_results == {}


def test_judge_needs_params_and_the_template_columns() -> None:
    provider = LLMAsJudgeScoring(LLMAsJudgeConfig(), ScriptedJudge([]))  # type: ignore[arg-type]
    request = ScoreRowsRequest(scoring_fn=fn("llm-as-judge::base"), params=None, input_rows=[{}])
    with pytest.raises(BadRequestError, match="needs llm_as_judge params"):
        asyncio.run(provider.score_rows(request))
    with pytest.raises(BadRequestError, match="row 0 has no 'context' column"):
        render("{context} {generated_answer}", {"generated_answer": "g"}, 0, "judge")
    with pytest.raises(BadRequestError, match="placeholders must name columns"):
        render("{0}", {}, 0, "judge")


def test_parse_score() -> None:
    assert parse_score("Score: **5**", [r"(?i:score)\s*[:=]?\s*\**\s*(-?\d+(?:\.\d+)?)"]) == 5.0
    assert parse_score("Grade: B", [r"Grade: ([A-F])"]) == "B"
    assert parse_score("nothing", [r"Grade: ([A-F])"]) is None


def test_judge_registrations_are_accepted_by_params() -> None:
    provider = LLMAsJudgeScoring(LLMAsJudgeConfig(), ScriptedJudge([]))  # type: ignore[arg-type]
    from plugstack.apis.scoring.models import RegisterScoringFnRequest

    judged = RegisterScoringFnRequest(scoring_fn_id="mine", params=LLMAsJudgeScoringFnParams(judge_model="j"))
    basic = RegisterScoringFnRequest(scoring_fn_id="other", params=BasicScoringFnParams())
    assert provider.accepts(judged) and not provider.accepts(basic)
    assert not BasicScoring().accepts(judged)
