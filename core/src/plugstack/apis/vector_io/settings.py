"""The part of a vector_io provider's config that the shared service reads.

Apart from the service, so that a provider's config module (imported with every plugin,
whenever a stack starts) does not pull in the vector store machinery.
"""

from pydantic import BaseModel, Field


class VectorStoreSettings(BaseModel):
    """The part of a vector_io provider's config that the service reads; providers extend it."""

    default_embedding_model: str | None = Field(
        default=None, description="for stores created without embedding_model; default: the only embedding model"
    )
    max_concurrent_ingests: int = Field(default=2, ge=1, description="files processed at the same time")
    embedding_batch_size: int = Field(default=32, ge=1, description="chunks per embeddings call")
    expiry_sweep_interval_s: float = Field(
        default=60.0, gt=0, description="how often expired stores are deleted with their chunks"
    )
