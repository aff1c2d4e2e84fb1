"""The entry point: registers `inline::localfs` for the datasetio API and for the files API
(Llama Stack's names; the catalogue keys provider types by API).

Imported by every `plugstack` command, so it stays light: pyarrow is imported only when a
stack builds the datasetio provider.
"""

from collections.abc import Callable
from typing import Any

from plugstack.apis.names import Api
from plugstack.hookspecs import hookimpl
from plugstack.spec import ProviderContext, ProviderSpec
from plugstack_localfs.config import LocalFSConfig, LocalFSFilesConfig


async def create(config: LocalFSConfig, context: ProviderContext) -> Any:
    from plugstack_localfs.provider import LocalFSDatasetIO

    return LocalFSDatasetIO(config, context.state_dir, config.readable_dirs(context.stack_state_dir))


async def create_files(config: LocalFSFilesConfig, context: ProviderContext) -> Any:
    from plugstack_localfs.files import LocalFSFiles

    files = LocalFSFiles(config, context.provider_id, context.kv, context.state_dir / "files")
    await files.initialize()
    return files


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
    register(
        ProviderSpec(
            api=Api.files,
            provider_type="inline::localfs",
            config_class=LocalFSFilesConfig,
            factory=create_files,
            description="Uploaded files in the stack's state directory, metadata in its database",
        )
    )
