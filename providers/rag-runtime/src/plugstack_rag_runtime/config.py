"""The provider's run.yaml `config` section."""

from pydantic import BaseModel, ConfigDict


class RagRuntimeConfig(BaseModel):
    """Nothing to set: stores, their embedding models and the query settings come with each request
    (or with the ``builtin::rag`` group's args)."""

    model_config = ConfigDict(extra="forbid")
