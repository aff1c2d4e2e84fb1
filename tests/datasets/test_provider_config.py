"""Provider configuration: which sources each provider accepts, and where localfs may read."""

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from plugstack.apis.datasetio.models import Dataset, RegisterDatasetRequest, URIDataSource
from plugstack.errors import ForbiddenError
from plugstack_huggingface.config import HuggingFaceConfig
from plugstack_localfs.config import LocalFSConfig
from plugstack_localfs.provider import LocalFSDatasetIO

QA = "eval/question-answer"


def _request(uri: str) -> RegisterDatasetRequest:
    return RegisterDatasetRequest(purpose=QA, source=URIDataSource(uri=uri))


def test_accepts_follows_the_configured_schemes(tmp_path: Path) -> None:
    default = LocalFSDatasetIO(LocalFSConfig(), tmp_path, [tmp_path])
    assert default.accepts(_request("/data/qa.jsonl")) and default.accepts(_request("https://h/qa.csv"))
    assert not default.accepts(_request("huggingface://datasets/a/b"))
    files_only = LocalFSDatasetIO(LocalFSConfig(uri_schemes=["file"], inline_rows=False), tmp_path, [tmp_path])
    assert not files_only.accepts(_request("https://h/qa.csv"))
    assert not files_only.accepts(RegisterDatasetRequest(purpose=QA, source={"type": "rows", "rows": []}))


def test_configs_refuse_schemes_their_provider_cannot_read() -> None:
    with pytest.raises(ValidationError, match="cannot read ftp"):
        LocalFSConfig(uri_schemes=["file", "ftp"])
    with pytest.raises(ValidationError, match="cannot read file"):
        HuggingFaceConfig(uri_schemes=["file"])
    assert HuggingFaceConfig(uri_schemes=["HF"]).uri_schemes == ["hf"]


async def test_allowed_dirs_keep_reads_inside(tmp_path: Path) -> None:
    inside, outside = tmp_path / "inside", tmp_path / "outside"
    for folder in (inside, outside):
        folder.mkdir()
        (folder / "qa.jsonl").write_text(json.dumps({"question": "q", "answer": "a"}) + "\n")
    config = LocalFSConfig(allowed_dirs=[str(inside)])
    provider = LocalFSDatasetIO(config, tmp_path / "state", config.readable_dirs(tmp_path / "state"))

    def dataset(path: Path) -> Dataset:
        source = URIDataSource(uri=str(path))
        return Dataset(identifier=path.parent.name, provider_id="localfs", purpose=QA, source=source)

    await provider.register_resource(dataset(inside / "qa.jsonl"))
    with pytest.raises(ForbiddenError, match="may read"):
        await provider.register_resource(dataset(outside / "qa.jsonl"))
    with pytest.raises(ForbiddenError, match="may read"):
        await provider.register_resource(dataset(inside / ".." / "outside" / "qa.jsonl"))
