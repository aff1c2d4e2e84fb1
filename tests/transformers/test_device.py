"""`inline::transformers` resolves ``auto`` device and dtype once, for the machine it runs on."""

import pytest
import torch

from plugstack_transformers.config import TransformersConfig
from plugstack_transformers.loading import resolve


def picked(config: TransformersConfig) -> tuple[str, str]:
    resolved = resolve(config)
    return resolved.device, resolved.dtype


def test_auto_without_cuda_is_the_cpu_in_float32(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert picked(TransformersConfig()) == ("cpu", "float32")


@pytest.mark.parametrize(("capability", "dtype"), [((9, 0), "bfloat16"), ((8, 0), "bfloat16"), ((7, 5), "float16")])
def test_auto_with_cuda_is_the_gpu_in_half_precision(
    monkeypatch: pytest.MonkeyPatch, capability: tuple[int, int], dtype: str
) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: capability)
    assert picked(TransformersConfig()) == ("cuda", dtype)
    assert picked(TransformersConfig(device="cuda:1")) == ("cuda:1", dtype)


def test_explicit_values_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: (9, 0))
    assert picked(TransformersConfig(device="cpu")) == ("cpu", "float32")  # auto dtype follows the device
    assert picked(TransformersConfig(device="cpu", dtype="bfloat16")) == ("cpu", "bfloat16")
    assert picked(TransformersConfig(dtype="float32")) == ("cuda", "float32")
    assert picked(TransformersConfig(device="cuda:1", dtype="float16")) == ("cuda:1", "float16")
