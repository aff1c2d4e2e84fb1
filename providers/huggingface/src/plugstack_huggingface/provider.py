"""`inline::huggingface`: rows of a Hugging Face dataset, straight from its memory-mapped Arrow cache.

URIs: ``huggingface://datasets/<org>/<name>?split=train&name=<config>&revision=<rev>`` (the
``datasets/`` prefix is optional, ``hf://`` works too), or a local directory:
``huggingface:///abs/dir?split=train`` — data files, or the output of ``save_to_disk``, only
under the provider's ``allowed_dirs`` (a name that exists as a local path is a local path: the
``datasets`` library would read it as one).
Without network, a dataset loaded once before comes from the local cache; set
``HF_HUB_OFFLINE=1`` to skip the hub's connection retries.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, unquote, urlsplit

import datasets
from datasets.exceptions import DataFilesNotFoundError, DatasetNotFoundError

from plugstack.apis.datasetio.models import Dataset, Row
from plugstack.errors import BadRequestError, ProviderFailedError
from plugstack_huggingface.config import HuggingFaceConfig
from plugstack_localfs.provider import RowsDatasetIO
from plugstack_localfs.rows import RowStore, check_table, json_values
from plugstack_localfs.sources import readable_path, short

QUERY_KEYS = ("split", "name", "revision")
SAVED_MARKERS = ("state.json", "dataset_dict.json")


@dataclass(frozen=True)
class HubDataset:
    """What a huggingface:// URI names."""

    path: str
    split: str
    name: str | None
    revision: str | None

    @classmethod
    def parse(cls, uri: str) -> "HubDataset":
        parts = urlsplit(uri)
        path = unquote(parts.netloc + parts.path).removeprefix("datasets/")
        query = parse_qs(parts.query)
        unknown = sorted(set(query) - set(QUERY_KEYS))
        if unknown:
            raise BadRequestError(f"{short(uri)}: unknown parameter {unknown[0]!r} (known: {', '.join(QUERY_KEYS)})")
        if not path:
            raise BadRequestError(f"{short(uri)} names no dataset: use huggingface://datasets/<org>/<name>?split=...")
        values = {key: query[key][-1] for key in query}
        return cls(path, values.get("split", "train"), values.get("name"), values.get("revision"))

    def local_dir(self) -> Path | None:
        """The local path this names, or None for a hub id. ``load_dataset`` reads any existing
        path, relative ones included, before it asks the hub."""
        local = Path(self.path).expanduser()
        return local if local.is_absolute() or local.exists() else None


class HuggingFaceRows:
    def __init__(self, dataset: datasets.Dataset) -> None:
        self._dataset = dataset.with_format("arrow")

    def __len__(self) -> int:
        return self._dataset.num_rows

    def read(self, start: int, stop: int) -> list[Row]:
        return [json_values(row) for row in self._dataset[start:stop].to_pylist()]


class HuggingFaceDatasetIO(RowsDatasetIO):
    provider_type: ClassVar[str] = "inline::huggingface"

    def __init__(self, config: HuggingFaceConfig, state_dir: Path, readable_dirs: list[Path]) -> None:
        super().__init__(config, state_dir)
        self._cache_dir = config.cache_dir
        self._readable_dirs = [folder.expanduser().resolve() for folder in readable_dirs]

    def _open_uri(self, dataset: Dataset, uri: str, workdir: Path) -> RowStore:
        hub = HubDataset.parse(uri)
        loaded = self._load(hub, uri)
        check_table(loaded.data.table, dataset.purpose, short(uri))
        return HuggingFaceRows(loaded)

    def _load(self, hub: HubDataset, uri: str) -> datasets.Dataset:
        """The split, with the library's errors told apart: our caller's (400) or the hub's (502)."""
        local = hub.local_dir()
        path = str(readable_path(local, self._readable_dirs, uri)) if local else hub.path
        try:
            if local and any((Path(path) / marker).is_file() for marker in SAVED_MARKERS):
                return _split_of(datasets.load_from_disk(path), hub.split)  # written by save_to_disk
            loaded = datasets.load_dataset(
                path, name=hub.name, split=hub.split, revision=hub.revision, cache_dir=self._cache_dir
            )
        except ConnectionError as exc:
            cache = self._cache_dir or datasets.config.HF_DATASETS_CACHE
            raise ProviderFailedError(
                f"the Hugging Face Hub cannot be reached for {hub.path!r}, and it is not in the local cache "
                f"({cache}): {exc}"
            ) from None
        except (DatasetNotFoundError, DataFilesNotFoundError, FileNotFoundError, ValueError) as exc:
            raise BadRequestError(f"cannot load {short(uri)}: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - anything else from the library is the backend failing
            raise ProviderFailedError(f"cannot load {short(uri)}: {type(exc).__name__}: {exc}") from None
        assert isinstance(loaded, datasets.Dataset)
        return loaded


def _split_of(loaded: datasets.Dataset | datasets.DatasetDict, split: str) -> datasets.Dataset:
    if isinstance(loaded, datasets.Dataset):
        return loaded
    if split not in loaded:
        raise ValueError(f"unknown split {split!r}; the dataset has: {', '.join(loaded)}")
    return loaded[split]
