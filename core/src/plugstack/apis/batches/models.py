"""Request and response shapes of the batches API, as the openai client sends and parses them
(`openai.types.Batch`), and the JSONL line formats of a batch's input, output and error files."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

BatchEndpoint = Literal["/v1/chat/completions", "/v1/completions", "/v1/embeddings"]
BatchStatus = Literal[
    "validating", "failed", "in_progress", "finalizing", "completed", "expired", "cancelling", "cancelled"
]
FINISHED: frozenset[str] = frozenset({"failed", "completed", "expired", "cancelled"})
MAX_LIST_LIMIT = 100


class BatchRequestCounts(BaseModel):
    completed: int = Field(default=0, description="lines answered with a 2xx")
    failed: int = Field(default=0, description="lines that failed (in the error file)")
    total: int = Field(default=0, description="lines in the input file")


class BatchError(BaseModel):
    """Why the whole input file was refused (one entry per offending line)."""

    code: str = Field(description="e.g. invalid_json_line, invalid_url, duplicate_custom_id, empty_file")
    message: str
    line: int | None = Field(default=None, description="1-based line of the input file")
    param: str | None = Field(default=None, description="the field of the line at fault")


class BatchErrors(BaseModel):
    object: Literal["list"] = "list"
    data: list[BatchError]


class Batch(BaseModel):
    """A batch (OpenAI's Batch object); timestamps are Unix seconds."""

    id: str = Field(description="'batch_' and hex digits, in creation order")
    object: Literal["batch"] = "batch"
    endpoint: BatchEndpoint
    input_file_id: str
    completion_window: str
    status: BatchStatus
    created_at: int
    expires_at: int | None = None
    in_progress_at: int | None = None
    finalizing_at: int | None = None
    completed_at: int | None = None
    failed_at: int | None = None
    expired_at: int | None = None
    cancelling_at: int | None = None
    cancelled_at: int | None = None
    output_file_id: str | None = Field(default=None, description="the answered lines (purpose batch_output)")
    error_file_id: str | None = Field(default=None, description="the failed lines (purpose batch_output)")
    errors: BatchErrors | None = Field(default=None, description="why the input file was refused")
    request_counts: BatchRequestCounts = Field(default_factory=BatchRequestCounts)
    metadata: dict[str, str] | None = None
    model: str | None = Field(default=None, description="the model of the first request")


class CreateBatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input_file_id: str = Field(min_length=1, description="a JSONL file uploaded with purpose 'batch'")
    endpoint: BatchEndpoint = Field(description="the route every line of the file calls")
    completion_window: Literal["24h"] = Field(description="the batch expires this long after creation")
    metadata: dict[str, str] | None = Field(default=None, max_length=16, description="up to 16 key-value pairs")


class ListBatchesParams(BaseModel):
    """The query of GET /v1/batches: cursor paging, newest first."""

    model_config = ConfigDict(extra="forbid")

    after: str | None = Field(default=None, description="a batch id: the page starts after it")
    limit: int = Field(default=20, ge=1, le=MAX_LIST_LIMIT, description="batches per page")


class ListBatchesResponse(BaseModel):
    object: Literal["list"] = "list"
    data: list[Batch]
    has_more: bool = Field(description="whether batches follow this page (ask again with after=last_id)")
    first_id: str | None = None
    last_id: str | None = None


class BatchRequest(BaseModel):
    batch_id: str = Field(min_length=1)


class InputLine(BaseModel):
    """One line of an input file: a request to ``url`` with ``body``."""

    model_config = ConfigDict(extra="forbid")

    custom_id: str = Field(min_length=1, description="the caller's key, unique in the file")
    method: Literal["POST"]
    url: str
    body: dict[str, Any]


class LineResponse(BaseModel):
    status_code: int
    request_id: str
    body: dict[str, Any]


class LineError(BaseModel):
    code: str
    message: str


class OutputLine(BaseModel):
    """One line of an output or error file: the request's response, or why it never ran."""

    id: str = Field(description="'batch_req_' and hex digits")
    custom_id: str | None = Field(description="null only when the input line could not be read")
    response: LineResponse | None = None
    error: LineError | None = None

    @property
    def succeeded(self) -> bool:
        return self.response is not None and self.response.status_code < 400
