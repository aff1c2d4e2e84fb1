"""Where an in-process torch model runs: ``auto`` device and dtype made concrete for this machine.

For providers that depend on torch; torch is imported only when a provider calls this.
"""


def resolve_device(device: str, dtype: str) -> tuple[str, str]:
    """CUDA when present, else the CPU; bfloat16 on a CUDA GPU that computes in it natively
    (Ampere and later; float16 before), float32 elsewhere (exact, and fast on CPUs)."""
    import torch

    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if dtype == "auto":
        dtype = "float32"
        if torch.device(device).type == "cuda":
            dtype = "bfloat16" if torch.cuda.get_device_capability(device)[0] >= 8 else "float16"
    return device, dtype
