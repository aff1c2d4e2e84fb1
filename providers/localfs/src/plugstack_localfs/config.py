"""run.yaml `config` sections of the datasetio providers that serve rows from local storage."""

from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from plugstack.net.policy import FetchPolicy


class DatasetSourceConfig(BaseModel):
    """Which dataset sources a provider takes: the routing of a registration without
    provider_id follows these lists, so two providers never need their ids hard-coded."""

    model_config = ConfigDict(extra="forbid")

    readable_schemes: ClassVar[frozenset[str]] = frozenset()

    uri_schemes: list[str] = Field(description="URI schemes of the sources this provider reads")
    inline_rows: bool = Field(description="whether it takes datasets whose source is inline rows")

    @field_validator("uri_schemes")
    @classmethod
    def _readable(cls, schemes: list[str]) -> list[str]:
        lowered = [scheme.lower() for scheme in schemes]
        unknown = sorted(set(lowered) - cls.readable_schemes)
        if unknown:
            known = ", ".join(sorted(cls.readable_schemes))
            raise ValueError(f"cannot read {', '.join(unknown)}; known schemes: {known}")
        return lowered


class LocalDirsConfig(DatasetSourceConfig):
    """A source provider that reads local paths: only under ``allowed_dirs``, so a client can
    never make the server read a file the operator did not put there."""

    allowed_dirs: list[str] | None = Field(
        default=None,
        description="local files must lie under one of these (checked after resolving symlinks); default: the "
        "stack's state dir and a 'data' dir beside it",
    )

    def readable_dirs(self, stack_state_dir: Path) -> list[Path]:
        """``allowed_dirs``, or by default the stack's state dir and the ``data`` dir beside it."""
        if self.allowed_dirs is not None:
            return [Path(folder) for folder in self.allowed_dirs]
        return [stack_state_dir, stack_state_dir.parent / "data"]


class LocalFSConfig(LocalDirsConfig):
    readable_schemes: ClassVar[frozenset[str]] = frozenset({"file", "data", "http", "https"})

    uri_schemes: list[str] = Field(
        default_factory=lambda: ["file", "data", "http", "https"],
        description="'file' covers both file:// URIs and plain paths",
    )
    inline_rows: bool = True
    allow_remote_uris: bool = Field(
        default=False, description="whether http(s) URIs are fetched at all; off: clients cannot make the server fetch"
    )
    remote: FetchPolicy = Field(
        default_factory=FetchPolicy, description="limits of http(s) fetches (addresses, size, time, redirects)"
    )


class LocalFSFilesConfig(BaseModel):
    """The files provider: uploads kept as plain files in the provider's state directory."""

    model_config = ConfigDict(extra="forbid")

    max_file_bytes: int = Field(
        default=512 * 1024 * 1024, gt=0, description="the largest upload accepted; a larger one is refused with 413"
    )
    sweep_interval_s: float = Field(
        default=600.0,
        gt=0,
        description="how often the content of expired files is deleted (they answer 404 from the moment they expire)",
    )
