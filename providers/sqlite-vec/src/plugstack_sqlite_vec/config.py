"""run.yaml `config` of `inline::sqlite-vec`."""

from pydantic import ConfigDict, Field

from plugstack.apis.vector_io.service import VectorStoreSettings


class SqliteVecConfig(VectorStoreSettings):
    model_config = ConfigDict(extra="forbid")

    db_path: str = Field(
        default="vectors.db", description="the database file; a relative path is under the provider's state directory"
    )
