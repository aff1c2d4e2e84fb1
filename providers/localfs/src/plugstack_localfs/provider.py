"""The datasetio providers' shared machinery, and `inline::localfs` on top of it.

Each dataset gets a directory under the provider's state_dir holding what the provider made
of it (an offset index, a converted or downloaded copy) and its append log. Appended rows live
only there: a user's own file is never written to. Unregistering removes the directory.
"""

import asyncio
import hashlib
import re
import shutil
from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel

from plugstack.apis.datasetio.data_uris import is_large, reference
from plugstack.apis.datasetio.models import (
    AppendRowsRequest,
    Dataset,
    IterRowsRequest,
    PaginatedResponse,
    RowsDataSource,
    URIDataSource,
)
from plugstack.errors import BadRequestError, NotFoundError
from plugstack.registry.resources import Resource
from plugstack_localfs.config import DatasetSourceConfig, LocalFSConfig
from plugstack_localfs.convert import csv_to_arrow, derived, json_to_jsonl, parquet_to_arrow
from plugstack_localfs.rows import ArrowRows, DatasetRows, JsonlRows, ListRows, RowStore
from plugstack_localfs.sources import fetch, local_path, readable_path, scheme_of, short

APPEND_LOG = "appended.jsonl"


class RowsDatasetIO(ABC):
    """`DatasetIO` over row stores; a subclass says how to open a dataset's source rows."""

    provider_type: ClassVar[str]

    def __init__(self, config: DatasetSourceConfig, state_dir: Path) -> None:
        self._config = config
        self._root = state_dir / "datasets"
        self._known: dict[str, Dataset] = {}
        self._opened: dict[str, DatasetRows] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    @abstractmethod
    def _open_uri(self, dataset: Dataset, uri: str, workdir: Path) -> RowStore:
        """The rows behind a URI source, checked against the dataset's purpose (runs in a worker thread)."""

    def accepts(self, request: BaseModel) -> bool:
        """Whether a registration without provider_id is ours: by source kind and URI scheme."""
        source = getattr(request, "source", None)
        if isinstance(source, RowsDataSource):
            return self._config.inline_rows
        return isinstance(source, URIDataSource) and scheme_of(source.uri) in self._config.uri_schemes

    def _check_accepted(self, dataset: Dataset) -> None:
        if isinstance(dataset.source, RowsDataSource):
            if not self._config.inline_rows:
                raise BadRequestError(f"{self.provider_type} is configured not to take inline rows")
            return
        scheme = scheme_of(dataset.source.uri)
        if scheme not in self._config.uri_schemes:
            raise BadRequestError(
                f"{self.provider_type} does not read {scheme!r} URIs; it is configured for: "
                f"{', '.join(self._config.uri_schemes) or 'none'}"
            )

    def _workdir(self, key: str) -> Path:
        """A directory name safe for any dataset id, still recognisable when browsing state_dir."""
        readable = re.sub(r"[^A-Za-z0-9._-]+", "_", key)[:48]
        return self._root / f"{readable}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"

    @staticmethod
    def _key(dataset: Dataset) -> str:
        return dataset.provider_resource_id or dataset.identifier

    async def register_resource(self, resource: Resource) -> Dataset:
        """Open (download, convert, index) and check the source; also called for every dataset at start-up."""
        assert isinstance(resource, Dataset)
        self._check_accepted(resource)
        key = self._key(resource)
        self._known[key] = resource
        self._opened[key] = await self._open_rows(resource)
        if isinstance(resource.source, URIDataSource) and is_large(resource.source.uri):
            resource = resource.model_copy(update={"source": URIDataSource(uri=reference(resource.source.uri))})
            self._known[key] = resource  # its rows are in the copy made while opening
        return resource

    async def _open_rows(self, dataset: Dataset) -> DatasetRows:
        workdir = self._workdir(self._key(dataset))
        fresh = not workdir.exists()
        workdir.mkdir(parents=True, exist_ok=True)
        try:
            return await asyncio.to_thread(self._open_dataset, dataset, workdir)
        except BaseException:
            if fresh:  # a failed first registration leaves nothing behind (a failed restart keeps appended rows)
                shutil.rmtree(workdir, ignore_errors=True)
            raise

    def _open_dataset(self, dataset: Dataset, workdir: Path) -> DatasetRows:
        source = dataset.source
        if isinstance(source, RowsDataSource):
            base: RowStore = ListRows(source.rows)
        else:
            base = self._open_uri(dataset, source.uri, workdir)
        return DatasetRows(base, JsonlRows.open_log(workdir / APPEND_LOG))

    async def unregister_resource(self, resource: Resource) -> None:
        """Its rows go with it: the appended ones and every copy or index made of its source."""
        assert isinstance(resource, Dataset)
        key = self._key(resource)
        self._known.pop(key, None)
        self._opened.pop(key, None)
        await asyncio.to_thread(shutil.rmtree, self._workdir(key), True)

    async def _rows(self, key: str) -> DatasetRows:
        """The open dataset; one that could not be opened at start-up is retried, or says why not."""
        rows = self._opened.get(key)
        if rows is None:
            dataset = self._known.get(key)
            if dataset is None:
                raise NotFoundError(f"{self.provider_type} has no dataset {key!r}")
            rows = self._opened[key] = await self._open_rows(dataset)
        return rows

    async def iterrows(self, request: IterRowsRequest) -> PaginatedResponse:
        rows = await self._rows(request.dataset_id)
        return await asyncio.to_thread(self._page, rows, request)

    @staticmethod
    def _page(rows: DatasetRows, request: IterRowsRequest) -> PaginatedResponse:
        """In a worker thread: counting may re-index a user's file that changed since."""
        total = len(rows)
        start = request.start_index or 0
        if start > total:
            raise BadRequestError(
                f"start_index {start} is past the end of dataset {request.dataset_id!r} ({total} rows)"
            )
        stop = total if request.limit in (None, -1) else min(total, start + request.limit)
        return PaginatedResponse(data=rows.read(start, stop), has_more=stop < total)

    async def append_rows(self, request: AppendRowsRequest) -> None:
        rows = await self._rows(request.dataset_id)
        async with self._locks.setdefault(request.dataset_id, asyncio.Lock()):
            await asyncio.to_thread(rows.appended.append, request.rows)


class LocalFSDatasetIO(RowsDatasetIO):
    """Inline rows, local files (read in place, only under ``readable_dirs``), data: URIs and,
    when the config allows them, http(s) downloads."""

    provider_type: ClassVar[str] = "inline::localfs"

    def __init__(self, config: LocalFSConfig, state_dir: Path, readable_dirs: list[Path]) -> None:
        super().__init__(config, state_dir)
        self._remote_allowed = config.allow_remote_uris
        self._fetch_policy = config.remote
        self._readable_dirs = [folder.expanduser().resolve() for folder in readable_dirs]

    def _open_uri(self, dataset: Dataset, uri: str, workdir: Path) -> RowStore:
        scheme = scheme_of(uri)
        source: Path | str = uri
        if scheme == "file":
            source = readable_path(local_path(uri), self._readable_dirs, uri)
        elif scheme in ("http", "https") and not self._remote_allowed:
            raise BadRequestError(
                f"cannot read {short(uri)}: {self.provider_type} does not fetch http(s) URIs unless its config sets "
                "allow_remote_uris"
            )
        local = fetch(source, workdir, self._fetch_policy)
        label = short(uri)
        index = workdir / "base.idx"
        if local.format == "jsonl":
            return JsonlRows.open(local.path, index, dataset.purpose, label)
        if local.format == "json":
            lines = derived(local.path, workdir / "base.jsonl", json_to_jsonl)
            return JsonlRows.open(lines, index, dataset.purpose, label)
        convert = csv_to_arrow if local.format == "csv" else parquet_to_arrow
        return ArrowRows.open(derived(local.path, workdir / "base.arrow", convert), dataset.purpose, label)
