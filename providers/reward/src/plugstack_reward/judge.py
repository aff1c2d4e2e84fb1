"""`inline::llm-as-judge`: a judge prompt over any LLM registered in the stack scores each reply.

The reward model's ``provider_resource_id`` names the judge LLM (a model id of the inference API).
Its reply is constrained to ``{"score": n}`` with n on the judge's integer scale on engines with
constrained decoding (llama.cpp, vLLM), so even a 135M model always yields a number; elsewhere
the reply is parsed leniently (JSON, then the first number) and clamped to the scale.
"""

import asyncio
import json
import re

from pydantic import ValidationError

from plugstack.apis.inference.constrained import ConstrainedReplies
from plugstack.apis.inference.models import (
    ChatCompletionRequest,
    ChatMessage,
    JsonSchemaFormat,
    ResponseFormatJsonSchema,
)
from plugstack.apis.inference.protocol import Inference
from plugstack.apis.reward_scoring.models import DialogGenerations, RewardModel
from plugstack.errors import BadRequestError, NotFoundError, ProviderFailedError
from plugstack_reward.config import JudgeConfig, JudgeParams

NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def judge_params(config: JudgeConfig, reward_model: RewardModel) -> JudgeParams:
    """The config's scale and prompt with the reward model's params over them (400 naming the param)."""
    defaults = config.model_dump(include=set(JudgeParams.model_fields))
    try:
        return JudgeParams.model_validate({**defaults, **(reward_model.params or {})})
    except ValidationError as exc:
        problems = "; ".join(
            f"params{''.join(f'.{part}' for part in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise BadRequestError(f"reward model {reward_model.identifier!r}: {problems}") from None


def score_format(params: JudgeParams) -> ResponseFormatJsonSchema:
    schema = {
        "type": "object",
        "properties": {"score": {"type": "integer", "enum": list(range(params.min_score, params.max_score + 1))}},
        "required": ["score"],
        "additionalProperties": False,
    }
    return ResponseFormatJsonSchema(type="json_schema", json_schema=JsonSchemaFormat(name="score", schema=schema))


def render_conversation(dialog: list[ChatMessage]) -> str:
    return "\n".join(f"{message.role}: {message.text()}" for message in dialog)


def parse_score(reply: str) -> float | None:
    """``{"score": n}`` or, failing that, the first number in the reply."""
    try:
        value = json.loads(reply)
    except ValueError:
        value = None
    if isinstance(value, dict) and isinstance(value.get("score"), int | float) and not isinstance(value["score"], bool):
        return float(value["score"])
    found = NUMBER.search(reply)
    return float(found.group()) if found else None


class LLMJudgeReward:
    def __init__(self, config: JudgeConfig, inference: Inference) -> None:
        self.config = config
        self._replies = ConstrainedReplies(inference)

    async def register_resource(self, resource: RewardModel) -> None:
        judge_params(self.config, resource)  # a bad scale or template is refused at registration

    async def _score(self, judge: str, params: JudgeParams, dialog: list[ChatMessage], reply: ChatMessage) -> float:
        prompt = params.prompt_template.format(
            conversation=render_conversation(dialog),
            response=reply.text(),
            min_score=params.min_score,
            max_score=params.max_score,
        )
        request = ChatCompletionRequest(
            model=judge,
            messages=[ChatMessage(role="user", content=prompt)],
            temperature=0.0,
            max_tokens=self.config.max_tokens,
        )
        try:
            text, _ = await self._replies.reply(request, score_format(params))
        except NotFoundError as exc:  # the reward model exists; what it names does not: a stack fault
            raise ProviderFailedError(f"judge model {judge!r} cannot be asked: {exc.detail}") from None
        score = parse_score(text)
        if score is None:
            if self.config.unparsable_score is None:
                raise ProviderFailedError(f"judge model {judge!r} replied {text[:200]!r}, which holds no score")
            score = self.config.unparsable_score
        return min(max(score, float(params.min_score)), float(params.max_score))

    async def score(self, reward_model: RewardModel, prompt_generations: list[DialogGenerations]) -> list[list[float]]:
        params = judge_params(self.config, reward_model)
        judge = reward_model.provider_resource_id or reward_model.identifier
        limit = asyncio.Semaphore(self.config.max_concurrency)

        async def one(dialog: list[ChatMessage], reply: ChatMessage) -> float:
            async with limit:
                return await self._score(judge, params, dialog, reply)

        try:  # a TaskGroup: the first failure cancels the judge calls still waiting
            async with asyncio.TaskGroup() as group:
                tasks: list[list[asyncio.Task[float]]] = [
                    [group.create_task(one(entry.dialog, reply)) for reply in entry.k_generations]
                    for entry in prompt_generations
                ]
        except ExceptionGroup as failures:
            raise failures.exceptions[0] from None
        return [[task.result() for task in row] for row in tasks]
