"""run.yaml `config` of `inline::sqlite-vec`."""

from typing import Literal

from pydantic import ConfigDict, Field

from plugstack.apis.vector_io.settings import VectorStoreSettings


class SqliteVecConfig(VectorStoreSettings):
    model_config = ConfigDict(extra="forbid")

    db_path: str = Field(
        default="vectors.db", description="the database file; a relative path is under the provider's state directory"
    )
    vector_search: Literal["binary", "exact"] = Field(
        default="binary",
        description=(
            "binary: a store's vectors are also held in memory (about 1.6 KB a 384-d chunk), the nearest are found "
            "by their sign bits and rescored exactly (recall@10 about 0.99, several times faster); "
            "exact: sqlite-vec scans every float32 vector on disk, nothing held in memory"
        ),
    )
    oversample: int = Field(
        default=10, ge=1, description="binary search rescores this many times the results asked for"
    )
