"""Ids that become paths or are shown to people: refused with a 400 naming the field."""

from pathlib import Path

import httpx
import pytest

from tests.security.conftest import error

ROWS = [{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}]
HIDDEN = ["a\x00b", "a\x1bb", "report\u202egnp.exe", "a\u200bb", "a\u2028b"]


@pytest.mark.parametrize("dataset_id", HIDDEN)
def test_dataset_ids_must_be_printable(http: httpx.Client, dataset_id: str) -> None:
    body = {"purpose": "post-training/messages", "source": {"type": "rows", "rows": ROWS}, "dataset_id": dataset_id}
    assert "dataset_id" in error(http.post("/v1beta/datasets", json=body), 400)


@pytest.mark.parametrize("model_id", HIDDEN)
def test_model_ids_must_be_printable(http: httpx.Client, model_id: str) -> None:
    body = {"model_id": model_id, "provider_id": "llama-cpp", "provider_model_id": "smol"}
    assert "model_id" in error(http.post("/v1/models", json=body), 400)


def _sft(http: httpx.Client, job_uuid: str, **more: object) -> httpx.Response:
    training = {
        "n_epochs": 1,
        "dtype": "fp32",
        "data_config": {"dataset_id": "chats", "batch_size": 1, "shuffle": False, "data_format": "dialog"},
    }
    body = {"job_uuid": job_uuid, "model": "smol", "training_config": training, **more}
    return http.post("/v1alpha/post-training/supervised-fine-tune", json=body)


def _tree(root: Path) -> set[Path]:
    return set(root.rglob("*"))


@pytest.mark.parametrize("job_uuid", ["../../../../escaped", "a/b", "..", ".", "a\\b", "job\u202e", "job\x00"])
def test_job_ids_that_would_leave_their_directory_are_refused(http: httpx.Client, home: Path, job_uuid: str) -> None:
    before = _tree(home)
    assert "job_uuid" in error(_sft(http, job_uuid), 400)
    created = {path for path in _tree(home) - before if "server-" not in path.name}
    assert not created, created


def test_checkpoint_dirs_must_lie_under_the_state_dir(http: httpx.Client, home: Path, tmp_path: Path) -> None:
    body = {"purpose": "post-training/messages", "source": {"type": "rows", "rows": ROWS}, "dataset_id": "chats"}
    assert http.post("/v1beta/datasets", json=body).status_code == 200
    for checkpoint_dir in (str(tmp_path / "elsewhere"), f"{home}/state/../outside", "/"):
        assert "checkpoint_dir" in error(_sft(http, "checkpointed", checkpoint_dir=checkpoint_dir), 400)
    assert not (tmp_path / "elsewhere").exists() and not (home / "outside" / "checkpointed").exists()
    error(http.get("/v1alpha/post-training/job/status", params={"job_uuid": "checkpointed"}), 404)
