"""`inline::llm-as-judge`: a judge model, called through the inference API, grades each row.

The prompt is ``prompt_template`` filled from the row's columns; the score is the first
group of the first ``judge_score_regexes`` match in the reply (a number when it reads as
one, else the text, e.g. a grade letter). A reply that matches nothing is scored ``null``
with the reply kept as feedback: one rambling judge reply is a data point, not an error.
"""

import re
import string
from typing import Any

from pydantic import BaseModel

from plugstack.apis.inference.models import ChatCompletionRequest, ChatMessage
from plugstack.apis.inference.protocol import Inference
from plugstack.apis.scoring import columns
from plugstack.apis.scoring.models import LLMAsJudgeScoringFnParams, Row, ScoringFn, ScoringFnParams
from plugstack.errors import BadRequestError
from plugstack_eval.builtin import BuiltinScoring, FunctionDef
from plugstack_eval.concurrency import bounded_map
from plugstack_eval.config import LLMAsJudgeConfig

BASE = "llm-as-judge::base"
DEFAULT_PROMPT = """\
You are grading an answer against the expected answer.
Question: {input_query}
Expected answer: {expected_answer}
Answer to grade: {generated_answer}
How correct is the answer to grade, from 0 (wrong) to 5 (fully correct)? Reply as "Score: <number>"."""
DEFAULT_SCORE_REGEXES = (r"(?i:score)\s*[:=]?\s*\**\s*(-?\d+(?:\.\d+)?)", r"^\s*(-?\d+(?:\.\d+)?)\s*(?:/\s*\d+)?\s*$")
_FORMATTER = string.Formatter()


def parse_score(reply: str, regexes: list[str] | tuple[str, ...]) -> float | str | None:
    for pattern in regexes:
        match = re.search(pattern, reply, flags=re.MULTILINE)
        if match:
            found = (match.group(1) if match.groups() else match.group(0)).strip()
            try:
                return float(found)
            except ValueError:
                return found
    return None


def render(template: str, row: Row, index: int, needed_by: str) -> str:
    """The template filled from the row; a placeholder the row cannot fill is a 400 naming the column."""
    values: dict[str, Any] = {}
    for _, field, _, _ in _FORMATTER.parse(template):
        if field is None:
            continue
        name = re.split(r"[.\[]", field, maxsplit=1)[0]
        if not name or name.isdigit():
            raise BadRequestError(f"{needed_by}: prompt_template placeholders must name columns, got {{{field}}}")
        if name in values:
            continue
        if name in columns.ALIASES:
            values[name] = columns.text(row, name, index, needed_by)
        elif row.get(name) is not None:
            values[name] = row[name]
        else:
            raise columns.missing(name, index, needed_by, (name,))
    try:
        return template.format_map(values)
    except (ValueError, AttributeError, IndexError, KeyError) as exc:
        raise BadRequestError(f"{needed_by}: prompt_template cannot be filled: {exc}") from None


class LLMAsJudgeScoring(BuiltinScoring):
    functions = {
        BASE: FunctionDef(
            BASE,
            "A judge model grades each row through prompt_template; judge_score_regexes find the score",
            "number",
            ("llm_as_judge",),
            None,
            (),  # as Llama Stack's llm-as-judge::base: no aggregation unless aggregation_functions asks
        )
    }

    def __init__(self, config: LLMAsJudgeConfig, inference: Inference) -> None:
        self._config = config
        self._inference = inference

    def definition(self, fn: ScoringFn) -> FunctionDef:
        """Every function this provider serves is the judge, whatever it was registered as."""
        return self.functions[BASE]

    def accepts(self, request: BaseModel) -> bool:
        return super().accepts(request) or isinstance(getattr(request, "params", None), LLMAsJudgeScoringFnParams)

    async def score(
        self, definition: FunctionDef, params: ScoringFnParams | None, rows: list[Row], fn_id: str
    ) -> list[Row]:
        if not isinstance(params, LLMAsJudgeScoringFnParams):
            raise BadRequestError(
                f"scoring function {fn_id!r} needs llm_as_judge params (judge_model, ...): none were "
                "registered with it, so pass them in the request"
            )
        needed_by = f"scoring function {fn_id!r}"
        template = params.prompt_template or DEFAULT_PROMPT
        regexes = params.judge_score_regexes or DEFAULT_SCORE_REGEXES
        prompts = [render(template, row, index, needed_by) for index, row in enumerate(rows)]

        async def judge(index: int, prompt: str) -> Row:
            request = ChatCompletionRequest(
                model=params.judge_model,
                messages=[ChatMessage(role="user", content=prompt)],
                max_tokens=self._config.max_tokens,
                temperature=0.0,
            )
            reply = await self._inference.chat_completion(request)
            text = (reply.choices[0].message.content or "") if reply.choices else ""  # type: ignore[union-attr]
            return {"score": parse_score(text, regexes), "judge_feedback": text}

        return await bounded_map(prompts, judge, self._config.max_concurrency)
