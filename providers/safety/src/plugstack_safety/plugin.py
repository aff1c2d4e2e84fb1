"""The entry point: registers `inline::llama-guard` and `inline::regex` for the safety API.

Imported by every `plugstack` command, so it stays light: the providers' modules are imported
only when a stack builds them.
"""

from collections.abc import Callable
from typing import Any

from plugstack.apis.names import Api
from plugstack.hookspecs import hookimpl
from plugstack.spec import ProviderContext, ProviderSpec
from plugstack_safety.config import LlamaGuardConfig, RegexShieldConfig


async def create_llama_guard(config: LlamaGuardConfig, context: ProviderContext) -> Any:
    from plugstack_safety.llama_guard import LlamaGuardShield

    return LlamaGuardShield(config, context.deps[Api.inference])


async def create_regex(config: RegexShieldConfig, context: ProviderContext) -> Any:
    from plugstack_safety.regex import RegexShield

    return RegexShield(config)


@hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    register(
        ProviderSpec(
            api=Api.safety,
            provider_type="inline::llama-guard",
            config_class=LlamaGuardConfig,
            factory=create_llama_guard,
            api_dependencies=(Api.inference,),
            description="Llama Guard's categories (S1-S14) over any registered LLM, verdicts grammar-constrained",
        )
    )
    register(
        ProviderSpec(
            api=Api.safety,
            provider_type="inline::regex",
            config_class=RegexShieldConfig,
            factory=create_regex,
            description="Deny patterns and PII detectors (emails, Luhn-checked cards, IBANs, secret keys)",
        )
    )
