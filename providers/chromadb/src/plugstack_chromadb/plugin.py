"""The entry point: registers `remote::chromadb` for the vector_io API.

Imported by every `plugstack` command, so it stays light: the Chroma client is imported only
when a stack builds the provider.
"""

from collections.abc import Callable
from typing import Any

from plugstack.apis.names import Api
from plugstack.hookspecs import hookimpl
from plugstack.spec import ProviderContext, ProviderSpec
from plugstack_chromadb.config import ChromaConfig


async def create(config: ChromaConfig, context: ProviderContext) -> Any:
    from plugstack.apis.vector_io.service import start_service
    from plugstack_chromadb.engine import ChromaEngine

    return await start_service(await ChromaEngine.connect(config), config, context)


@hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    register(
        ProviderSpec(
            api=Api.vector_io,
            provider_type="remote::chromadb",
            config_class=ChromaConfig,
            factory=create,
            api_dependencies=(Api.inference, Api.files),
            pip_packages=("chromadb-client",),
            description="Vector stores in a Chroma server: HNSW vectors, BM25 keywords over Chroma, hybrid by RRF",
        )
    )
