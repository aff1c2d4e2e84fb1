"""The run.yaml `config` section of `inline::huggingface`."""

from typing import ClassVar

from pydantic import Field

from plugstack_localfs.config import LocalDirsConfig


class HuggingFaceConfig(LocalDirsConfig):
    readable_schemes: ClassVar[frozenset[str]] = frozenset({"huggingface", "hf"})

    uri_schemes: list[str] = Field(default_factory=lambda: ["huggingface", "hf"])
    inline_rows: bool = False
    cache_dir: str | None = Field(
        default=None,
        description="the `datasets` cache to read and fill; default: HF_DATASETS_CACHE (~/.cache/huggingface/datasets)",
    )
