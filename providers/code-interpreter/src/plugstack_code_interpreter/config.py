"""The provider's run.yaml `config` section: the sandbox's limits."""

from pydantic import BaseModel, ConfigDict, Field


class CodeInterpreterConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timeout_s: float = Field(
        default=10.0, gt=0, description="wall-clock limit of one run; then every process it started is killed"
    )
    memory_mb: int = Field(default=1024, ge=64, description="address-space limit (RLIMIT_AS) of each process")
    max_file_mb: int = Field(default=64, ge=1, description="largest file the code may write")
    max_output_chars: int = Field(default=16_000, ge=100, description="stdout and stderr are each cut after this")
    max_concurrent_runs: int = Field(default=2, ge=1)
    allow_weak_isolation: bool = Field(
        default=False,
        description="start even where the kernel offers no network/PID namespaces or no Landlock; then only "
        "the resource limits, the wall clock and a (bypassable) socket audit hook apply",
    )
