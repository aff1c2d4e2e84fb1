"""The trial decode the provider runs in a child process before it loads a model in-process.

It takes the path that crashed on AMX builds: a multi-token prompt batch, then sampling.
Everything llama.cpp needs is loaded here, in the child, never in the server.
"""

import importlib.util
from pathlib import Path
from typing import Any

from plugstack.engines.guard import file_identity

PROMPT = (
    "The quick brown fox jumps over the lazy dog. Pack my box with five dozen liquor jugs. "
    "Sphinx of black quartz, judge my vow. How vexingly quick daft zebras jump!"
)
TRIAL_CTX = 256
TRIAL_TOKENS = 8


def decode(model_path: str, n_batch: int, n_threads: int) -> None:
    from llama_cpp import Llama

    llama = Llama(
        model_path=model_path,
        n_ctx=TRIAL_CTX,
        n_batch=min(n_batch, TRIAL_CTX),
        n_threads=n_threads,
        n_threads_batch=n_threads,
        verbose=False,
    )
    try:
        llama.create_completion(PROMPT, max_tokens=TRIAL_TOKENS, temperature=0.0)
    finally:
        llama.close()


def engine_identity() -> list[Any]:
    """The llama.cpp build in use (its shared libraries), found without importing it."""
    spec = importlib.util.find_spec("llama_cpp")
    locations = list(spec.submodule_search_locations or []) if spec else []
    libraries = sorted(path for location in locations for path in Path(location, "lib").glob("*.so*"))
    return [file_identity(path) for path in libraries]
