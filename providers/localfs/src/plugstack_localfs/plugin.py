"""The entry point: registers `inline::localfs` for the datasetio API.

Imported by every `plugstack` command, so it stays light: pyarrow is imported only when a
stack builds the provider.
"""

from collections.abc import Callable
from typing import Any

from plugstack.apis.names import Api
from plugstack.hookspecs import hookimpl
from plugstack.spec import ProviderContext, ProviderSpec
from plugstack_localfs.config import LocalFSConfig


async def create(config: LocalFSConfig, context: ProviderContext) -> Any:
    from plugstack_localfs.provider import LocalFSDatasetIO

    return LocalFSDatasetIO(config, context.state_dir)


@hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    register(
        ProviderSpec(
            api=Api.datasetio,
            provider_type="inline::localfs",
            config_class=LocalFSConfig,
            factory=create,
            pip_packages=("pyarrow",),
            description="Datasets from inline rows, local files, data: URIs and http(s) (jsonl, json, csv, parquet)",
        )
    )
