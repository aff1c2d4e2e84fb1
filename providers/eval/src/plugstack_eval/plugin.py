"""The entry point: registers `inline::basic` and `inline::llm-as-judge` (scoring) and
`inline::meta-reference` (eval).

Imported by every `plugstack` command, so it stays light: the providers' modules are
imported only when a stack builds them.
"""

from collections.abc import Callable
from typing import Any

from plugstack.apis.names import Api
from plugstack.hookspecs import hookimpl
from plugstack.spec import ProviderContext, ProviderSpec
from plugstack_eval.config import BasicScoringConfig, EvalConfig, LLMAsJudgeConfig


async def create_basic(config: BasicScoringConfig, context: ProviderContext) -> Any:
    from plugstack_eval.basic import BasicScoring

    return BasicScoring()


async def create_judge(config: LLMAsJudgeConfig, context: ProviderContext) -> Any:
    from plugstack_eval.judge import LLMAsJudgeScoring

    return LLMAsJudgeScoring(config, context.deps[Api.inference])


async def create_eval(config: EvalConfig, context: ProviderContext) -> Any:
    from plugstack_eval.evaluator import MetaReferenceEval

    deps = context.deps
    return MetaReferenceEval(
        config,
        deps[Api.inference],
        deps[Api.datasetio],
        deps[Api.scoring],
        context.registry,
        context.jobs,
        agents=deps.get(Api.agents),
    )


@hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    register(
        ProviderSpec(
            api=Api.scoring,
            provider_type="inline::basic",
            config_class=BasicScoringConfig,
            factory=create_basic,
            description="Equality, subset and regex-parsed (multiple choice, math) answers against the expected one",
        )
    )
    register(
        ProviderSpec(
            api=Api.scoring,
            provider_type="inline::llm-as-judge",
            config_class=LLMAsJudgeConfig,
            factory=create_judge,
            api_dependencies=(Api.inference,),
            description="A judge model grades each row (prompt_template, judge_score_regexes)",
        )
    )
    register(
        ProviderSpec(
            api=Api.eval,
            provider_type="inline::meta-reference",
            config_class=EvalConfig,
            factory=create_eval,
            api_dependencies=(Api.inference, Api.datasetio, Api.scoring),
            optional_api_dependencies=(Api.agents,),
            description="Benchmarks of model and agent candidates: bounded concurrency, scoring, durable jobs",
        )
    )
