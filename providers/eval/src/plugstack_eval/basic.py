"""`inline::basic`: scoring functions that compare a generation with the expected answer."""

from collections.abc import Callable

from plugstack.apis.scoring import columns
from plugstack.apis.scoring.models import (
    BasicScoringFnParams,
    RegexParserScoringFnParams,
    Row,
    ScoringFnParams,
)
from plugstack_eval.answers import (
    MATH_REGEXES,
    MULTIPLE_CHOICE_REGEXES,
    choice_letter,
    extract_math,
    first_match,
    math_equal,
    normalize_text,
)
from plugstack_eval.builtin import BuiltinScoring, FunctionDef

RowScorer = Callable[[str, str, ScoringFnParams | None], Row]


def equality(generated: str, expected: str, params: ScoringFnParams | None) -> Row:
    """Exact match, but for surrounding whitespace."""
    return {"score": 1.0 if generated.strip() == expected.strip() else 0.0}


def subset_of(generated: str, expected: str, params: ScoringFnParams | None) -> Row:
    """The expected answer appears in the generation (case and spacing ignored)."""
    return {"score": 1.0 if normalize_text(expected) in normalize_text(generated) else 0.0}


def _regexes(params: ScoringFnParams | None, default: tuple[str, ...]) -> list[str] | tuple[str, ...]:
    if isinstance(params, RegexParserScoringFnParams) and params.parsing_regexes:
        return params.parsing_regexes
    return default


def multiple_choice(generated: str, expected: str, params: ScoringFnParams | None) -> Row:
    parsed = first_match(generated, _regexes(params, MULTIPLE_CHOICE_REGEXES))
    correct = parsed is not None and choice_letter(parsed) == choice_letter(expected)
    return {"score": 1.0 if correct else 0.0, "parsed_answer": choice_letter(parsed) if parsed else None}


def math_response(generated: str, expected: str, params: ScoringFnParams | None) -> Row:
    parsed = extract_math(generated, _regexes(params, MATH_REGEXES))
    expected_answer = extract_math(expected) or expected
    correct = parsed is not None and math_equal(parsed, expected_answer)
    return {"score": 1.0 if correct else 0.0, "parsed_answer": parsed}


def _function(
    identifier: str, description: str, scorer: RowScorer, regexes: tuple[str, ...] = ()
) -> tuple[str, tuple[FunctionDef, RowScorer]]:
    """A binary (1/0) function, aggregated as accuracy; regex-parsed ones also take regex_parser params."""
    params: ScoringFnParams = (
        RegexParserScoringFnParams(parsing_regexes=list(regexes), aggregation_functions=["accuracy"])
        if regexes
        else BasicScoringFnParams(aggregation_functions=["accuracy"])
    )
    params_types = ("regex_parser", "basic") if regexes else ("basic",)
    return identifier, (FunctionDef(identifier, description, "number", params_types, params, ("accuracy",)), scorer)


FUNCTIONS: dict[str, tuple[FunctionDef, RowScorer]] = dict(
    [
        _function("basic::equality", "1 if the generated answer equals the expected one (trimmed), else 0", equality),
        _function(
            "basic::subset_of", "1 if the expected answer occurs in the generated one (any case), else 0", subset_of
        ),
        _function(
            "basic::regex_parser_multiple_choice_answer",
            "1 if the choice letter parsed from the generation ('Answer: B') is the expected one, else 0",
            multiple_choice,
            MULTIPLE_CHOICE_REGEXES,
        ),
        _function(
            "basic::regex_parser_math_response",
            "1 if the final answer (\\boxed{...} or 'final answer is ...') equals the expected one once both are "
            "normalised, else 0",
            math_response,
            MATH_REGEXES,
        ),
    ]
)


class BasicScoring(BuiltinScoring):
    functions = {name: definition for name, (definition, _) in FUNCTIONS.items()}

    async def score(
        self, definition: FunctionDef, params: ScoringFnParams | None, rows: list[Row], fn_id: str
    ) -> list[Row]:
        scorer = FUNCTIONS[definition.identifier][1]
        needed_by = f"scoring function {fn_id!r}"
        return [
            scorer(
                columns.text(row, "generated_answer", index, needed_by),
                columns.text(row, "expected_answer", index, needed_by),
                params,
            )
            for index, row in enumerate(rows)
        ]
