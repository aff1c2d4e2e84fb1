"""`inline::huggingface` offline: a local data directory, a save_to_disk directory, and the HF cache."""

import shutil
import tempfile
from pathlib import Path

import datasets
import pytest
from datasets.arrow_writer import ArrowWriter
from llama_stack_client import BadRequestError, LlamaStackClient, PermissionDeniedError

from tests.datasets.conftest import QA_ROWS

QA = "eval/question-answer"


def fill_hub_cache(hf_home: Path, repo: str, split: str, rows: list[dict[str, str]]) -> None:
    """Lay a dataset out in the `datasets` cache exactly as a past online `load_dataset(repo)` leaves it."""
    namespace, name = repo.split("/")
    table = datasets.Dataset.from_list(rows)
    target = hf_home / "datasets" / f"{namespace}___{name}" / "default" / "0.0.0" / "0123456789abcdef"
    target.mkdir(parents=True)
    with ArrowWriter(path=str(target / f"{name}-{split}.arrow")) as writer:
        writer.write_table(table.data.table)
        count, size = writer.finalize()
    split_info = datasets.SplitInfo(name=split, num_bytes=size, num_examples=count, dataset_name=name)
    info = datasets.DatasetInfo(
        features=table.features,
        config_name="default",
        dataset_name=name,
        splits=datasets.SplitDict({split: split_info}),
    )
    info.write_to_directory(str(target))


def test_cached_hub_dataset_offline(client: LlamaStackClient, server_home: Path) -> None:
    fill_hub_cache(server_home / "hf-home", "acme/simpleqa", "train", QA_ROWS)
    dataset = client.datasets.register(
        purpose=QA, source={"type": "uri", "uri": "huggingface://datasets/acme/simpleqa?split=train"}
    )
    assert dataset.provider_id == "huggingface"  # chosen by the URI scheme
    assert client.datasets.iterrows(dataset.identifier, start_index=3, limit=4).data == QA_ROWS[3:7]
    client.datasets.appendrows(dataset.identifier, rows=[{"question": "new", "answer": "row"}])
    page = client.datasets.iterrows(dataset.identifier, start_index=len(QA_ROWS))
    assert page.data == [{"question": "new", "answer": "row"}] and page.has_more is False


def test_llama_stack_style_uri_without_datasets_prefix(client: LlamaStackClient, server_home: Path) -> None:
    fill_hub_cache(server_home / "hf-home", "llamastack/tinyqa", "test", QA_ROWS[:4])
    client.datasets.register(
        purpose=QA, source={"type": "uri", "uri": "hf://llamastack/tinyqa?split=test"}, dataset_id="tinyqa"
    )
    assert client.datasets.iterrows("tinyqa").data == QA_ROWS[:4]


def test_local_data_directory_and_save_to_disk(client: LlamaStackClient, tmp_path: Path) -> None:
    files = tmp_path / "files"
    files.mkdir()
    datasets.Dataset.from_list(QA_ROWS).to_json(files / "train.jsonl")
    client.datasets.register(
        purpose=QA, source={"type": "uri", "uri": f"huggingface://{files}?split=train"}, dataset_id="hf-files"
    )
    assert client.datasets.iterrows("hf-files").data == QA_ROWS

    saved = tmp_path / "saved"
    datasets.DatasetDict(
        {"train": datasets.Dataset.from_list(QA_ROWS[:5]), "test": datasets.Dataset.from_list(QA_ROWS[5:7])}
    ).save_to_disk(str(saved))
    client.datasets.register(
        purpose=QA, source={"type": "uri", "uri": f"huggingface://datasets/{saved}?split=test"}, dataset_id="hf-saved"
    )
    assert client.datasets.iterrows("hf-saved").data == QA_ROWS[5:7]


@pytest.mark.parametrize(
    ("uri", "words"),
    [
        ("huggingface://datasets/{saved}?split=validation", "unknown split 'validation'"),
        ("huggingface://datasets/{saved}?splt=train", "unknown parameter 'splt'"),
        ("huggingface://datasets/?split=train", "names no dataset"),
    ],
)
def test_bad_huggingface_uris_are_400(client: LlamaStackClient, tmp_path: Path, uri: str, words: str) -> None:
    saved = tmp_path / "saved"
    datasets.DatasetDict({"train": datasets.Dataset.from_list(QA_ROWS[:2])}).save_to_disk(str(saved))
    with pytest.raises(BadRequestError) as caught:
        client.datasets.register(purpose=QA, source={"type": "uri", "uri": uri.format(saved=saved)})
    assert words in caught.value.body["detail"]


def test_missing_column_in_a_huggingface_dataset(client: LlamaStackClient, tmp_path: Path) -> None:
    saved = tmp_path / "no-answer"
    datasets.Dataset.from_list([{"question": "q", "reply": "r"}]).save_to_disk(str(saved))
    with pytest.raises(BadRequestError) as caught:
        client.datasets.register(purpose=QA, source={"type": "uri", "uri": f"huggingface://{saved}"})
    assert "'answer'" in caught.value.body["detail"] and "question, reply" in caught.value.body["detail"]


def test_local_directory_outside_allowed_dirs_is_refused(client: LlamaStackClient) -> None:
    """A local path is read only under the provider's allowed_dirs, whatever the scheme spelling;
    the refusal says nothing of what the directory holds."""
    outside = Path(tempfile.mkdtemp(prefix="plugstack-hf-outside-"))  # not under pytest's base temp dir
    try:
        datasets.Dataset.from_list(QA_ROWS[:2]).save_to_disk(str(outside))
        for uri in (f"huggingface://{outside}", f"hf://datasets/{outside}?split=train"):
            with pytest.raises(PermissionDeniedError) as caught:
                client.datasets.register(purpose=QA, source={"type": "uri", "uri": uri})
            detail = caught.value.body["detail"]
            assert "allowed_dirs" in detail and "question" not in detail
    finally:
        shutil.rmtree(outside)
