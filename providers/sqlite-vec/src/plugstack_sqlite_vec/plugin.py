"""The entry point: registers `inline::sqlite-vec` for the vector_io API.

Imported by every `plugstack` command, so it stays light: apsw and sqlite-vec are imported only
when a stack builds the provider.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from plugstack.apis.names import Api
from plugstack.hookspecs import hookimpl
from plugstack.spec import ProviderContext, ProviderSpec
from plugstack_sqlite_vec.config import SqliteVecConfig


async def create(config: SqliteVecConfig, context: ProviderContext) -> Any:
    from plugstack.apis.vector_io.service import start_service
    from plugstack_sqlite_vec.engine import SqliteVecEngine

    path = Path(config.db_path).expanduser()
    engine = SqliteVecEngine(path if path.is_absolute() else context.state_dir / path, config)
    return await start_service(engine, config, context)


@hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    register(
        ProviderSpec(
            api=Api.vector_io,
            provider_type="inline::sqlite-vec",
            config_class=SqliteVecConfig,
            factory=create,
            api_dependencies=(Api.inference, Api.files),
            pip_packages=("apsw", "sqlite-vec", "numpy"),
            description="Vector stores in one SQLite file: sqlite-vec KNN, FTS5 BM25 keywords, hybrid by RRF",
        )
    )
