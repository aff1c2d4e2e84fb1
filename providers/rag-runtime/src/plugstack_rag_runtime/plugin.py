"""The entry point: registers `inline::rag-runtime` for the tool_runtime API."""

from collections.abc import Callable
from typing import Any

from plugstack.apis.names import Api
from plugstack.hookspecs import hookimpl
from plugstack.spec import ProviderContext, ProviderSpec
from plugstack_rag_runtime.config import RagRuntimeConfig


async def create(config: RagRuntimeConfig, context: ProviderContext) -> Any:
    from plugstack_rag_runtime.provider import RagRuntime

    return RagRuntime(
        vector_io=context.deps[Api.vector_io],
        files=context.deps.get(Api.files),
        inference=context.deps.get(Api.inference),
    )


@hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    register(
        ProviderSpec(
            api=Api.tool_runtime,
            provider_type="inline::rag-runtime",
            config_class=RagRuntimeConfig,
            factory=create,
            api_dependencies=(Api.vector_io,),
            optional_api_dependencies=(Api.files, Api.inference),
            pip_packages=("jinja2",),
            description="builtin::rag: knowledge_search and insert_into_memory over vector stores",
        )
    )
