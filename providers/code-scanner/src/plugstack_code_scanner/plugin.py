"""The entry point: registers `inline::code-scanner` for the safety API.

Imported by every `plugstack` command, so it stays light: codeshield is imported only when a
stack builds the provider.
"""

from collections.abc import Callable
from typing import Any

from plugstack.apis.names import Api
from plugstack.hookspecs import hookimpl
from plugstack.spec import ProviderContext, ProviderSpec
from plugstack_code_scanner.config import CodeScannerConfig


async def create(config: CodeScannerConfig, context: ProviderContext) -> Any:
    from plugstack_code_scanner.scanner import CodeScanner

    scanner = CodeScanner(config)
    await scanner.self_test()
    return scanner


@hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    register(
        ProviderSpec(
            api=Api.safety,
            provider_type="inline::code-scanner",
            config_class=CodeScannerConfig,
            factory=create,
            pip_packages=("codeshield==1.0.1",),
            description="Insecure code (weak hashes, injection, unsafe deserialisation, ...) with CodeShield, offline",
        )
    )
