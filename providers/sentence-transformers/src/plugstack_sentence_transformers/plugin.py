"""The entry point: registers `inline::sentence-transformers` for the inference API.

Imported by every `plugstack` command, so it stays light: torch and sentence_transformers
are imported only when a stack builds the provider.
"""

import os
from collections.abc import Callable
from typing import Any

from plugstack.apis.names import Api
from plugstack.hookspecs import hookimpl
from plugstack.spec import ProviderContext, ProviderSpec
from plugstack_sentence_transformers.config import SentenceTransformersConfig


async def create(config: SentenceTransformersConfig, context: ProviderContext) -> Any:
    if config.offline:  # read by huggingface_hub at import, so set before the first import
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from plugstack_sentence_transformers.provider import SentenceTransformersInference

    return SentenceTransformersInference(config, context.provider_id)


@hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    register(
        ProviderSpec(
            api=Api.inference,
            provider_type="inline::sentence-transformers",
            config_class=SentenceTransformersConfig,
            factory=create,
            pip_packages=("sentence-transformers",),
            description="sentence-transformers in-process: embeddings, and rerank by cosine similarity",
        )
    )
