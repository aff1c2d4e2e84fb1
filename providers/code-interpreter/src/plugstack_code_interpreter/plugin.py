"""The entry point: registers `inline::code-interpreter` for the tool_runtime API."""

from collections.abc import Callable
from typing import Any

from plugstack.apis.names import Api
from plugstack.hookspecs import hookimpl
from plugstack.spec import ProviderContext, ProviderSpec
from plugstack_code_interpreter.config import CodeInterpreterConfig


async def create(config: CodeInterpreterConfig, context: ProviderContext) -> Any:
    """Probe the kernel's isolation first: without it, refuse to start unless the operator allowed it."""
    from plugstack_code_interpreter.provider import CodeInterpreter
    from plugstack_code_interpreter.sandbox import probe

    isolation = await probe()
    if not isolation.complete and not config.allow_weak_isolation:
        raise RuntimeError(
            f"this kernel offers only: {isolation.describe()}; the code interpreter needs network+PID namespaces, "
            "Landlock ABI >= 4 and seccomp (set allow_weak_isolation: true to run with less; see its README)"
        )
    scratch = context.state_dir / "runs"
    scratch.mkdir(parents=True, exist_ok=True)
    return CodeInterpreter(config, isolation, scratch)


@hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    register(
        ProviderSpec(
            api=Api.tool_runtime,
            provider_type="inline::code-interpreter",
            config_class=CodeInterpreterConfig,
            factory=create,
            description="builtin::code_interpreter: Python in a sandboxed process (no network, limits, Landlock)",
        )
    )
