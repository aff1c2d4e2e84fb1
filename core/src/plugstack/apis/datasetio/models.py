"""Request and response shapes of the datasetio API, as seeds/002 and llama-stack-client 0.3.x define them."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from plugstack.apis.datasetio.data_uris import as_stored
from plugstack.registry.resources import Resource

# The seed's three purposes, plus two plugstack extensions (a superset: clients of the seed are
# unaffected) so that instruct and preference (DPO) data can be registered for post-training.
SEED_PURPOSES = ("post-training/messages", "eval/question-answer", "eval/messages-answer")
EXTENSION_PURPOSES = ("post-training/instruct", "post-training/preferences")
DatasetPurpose = Literal[
    "post-training/messages",
    "eval/question-answer",
    "eval/messages-answer",
    "post-training/instruct",
    "post-training/preferences",
]
Row = dict[str, Any]


class URIDataSource(BaseModel):
    """Rows that live behind a URI: a local path, file://, data:, http(s):// or huggingface://."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["uri"] = "uri"
    uri: str = Field(min_length=1, description="e.g. 'file:///data/qa.jsonl', 'data:csv;base64,...'")


class RowsDataSource(BaseModel):
    """Rows given inline at registration."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["rows"] = "rows"
    rows: list[Row] = Field(description="one JSON object per row")


DataSource = Annotated[URIDataSource | RowsDataSource, Field(discriminator="type")]


class Dataset(Resource):
    """A registered dataset: where its rows come from and what they are for."""

    type: Literal["dataset"] = "dataset"
    purpose: DatasetPurpose = Field(description="decides which columns every row must have")
    source: DataSource

    def same_as(self, other: Resource) -> bool:
        """A large data: URI and the reference the registry keeps of it count as the same source."""
        return isinstance(other, Dataset) and self._as_stored() == other._as_stored()

    def _as_stored(self) -> dict[str, Any]:
        dumped = self.model_dump(exclude=set(self.volatile_fields))
        if isinstance(self.source, URIDataSource):
            dumped["source"]["uri"] = as_stored(self.source.uri)
        return dumped


class RegisterDatasetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purpose: DatasetPurpose
    source: DataSource
    metadata: dict[str, Any] | None = Field(default=None, description="anything, e.g. {'description': ...}")
    dataset_id: str | None = Field(default=None, min_length=1, description="generated when omitted")
    provider_id: str | None = Field(
        default=None, description="default: the datasetio provider that accepts this source (by URI scheme)"
    )


class ListDatasetsResponse(BaseModel):
    data: list[Dataset]


class IterRowsParams(BaseModel):
    """The query of GET /datasetio/iterrows: offset pagination."""

    model_config = ConfigDict(extra="forbid")

    start_index: int | None = Field(default=None, ge=0, description="first row (0-based); default 0")
    limit: int | None = Field(default=None, description="rows to return; -1 or omitted: all the rest")

    @field_validator("limit")
    @classmethod
    def _positive_or_all(cls, value: int | None) -> int | None:
        if value is not None and value != -1 and value < 1:
            raise ValueError("limit must be a positive number of rows, or -1 for all of them")
        return value


class IterRowsRequest(IterRowsParams):
    dataset_id: str = Field(min_length=1)


class PaginatedResponse(BaseModel):
    data: list[Row] = Field(description="the rows of this page")
    has_more: bool = Field(description="whether rows follow this page")
    url: str | None = Field(default=None, description="where this list can be fetched")


class AppendRowsBody(BaseModel):
    """The body of POST /datasetio/append-rows."""

    model_config = ConfigDict(extra="forbid")

    rows: list[Row] = Field(description="rows to add after the dataset's last row")


class AppendRowsRequest(AppendRowsBody):
    dataset_id: str = Field(min_length=1)
