"""Which weights a job trains: a registered model id or a local folder / GGUF file.

A registered model's weights are found through the provider that serves it: its
``weights_location(resource)`` if it has one (inline::llama-cpp: the GGUF file), else the
model's metadata (inline::transformers: ``path``, or ``adapter_path`` on ``base_model``).
"""

import json
from pathlib import Path
from typing import Any

from plugstack.apis.inference.model_files import PACKAGE_SCHEME, resolve_model_path
from plugstack.errors import BadRequestError, NotFoundError
from plugstack_trl.plan import BaseWeights

GGUF_SUFFIX = ".gguf"


def _location(location: str, field: str) -> BaseWeights:
    """An HF folder (with config.json) or a GGUF file, as BaseWeights; else a 400."""
    if location.startswith(PACKAGE_SCHEME) or location.endswith(GGUF_SUFFIX):
        path = resolve_model_path(location, field)
        return BaseWeights(path=str(path.parent), gguf_file=path.name)
    path = Path(location).expanduser()
    if not (path / "config.json").is_file():
        raise BadRequestError(f"{field}: {location!r} is neither a registered model, a .gguf file nor an HF folder")
    return BaseWeights(path=str(path.resolve()))


def resolve(model: str, models: Any, field: str) -> BaseWeights:
    """``models`` is the stack's model routing table (None when the stack serves no inference)."""
    if models is not None:
        try:
            resource, provider = models.route(model)
        except NotFoundError:
            resource = None
        if resource is not None:
            return _registered(model, resource, provider, field)
    return _location(model, field)


def _registered(model: str, resource: Any, provider: Any, field: str) -> BaseWeights:
    if getattr(resource, "model_type", "llm") != "llm":
        raise BadRequestError(f"{field}: {model!r} is an {resource.model_type} model; only llm models can be trained")
    locate = getattr(provider, "weights_location", None)
    if locate is not None:
        return _location(locate(resource), field)
    metadata = resource.metadata
    if metadata.get("adapter_path"):
        adapter = Path(metadata["adapter_path"])
        base = metadata.get("base_model") or _adapter_base(adapter)
        weights = _location(str(base), f"{field} (base of {model!r})")
        return weights.model_copy(update={"adapter_path": str(adapter)})
    for key in ("path", "gguf"):
        if metadata.get(key):
            return _location(str(metadata[key]), f"{field} ({model!r} metadata.{key})")
    raise BadRequestError(
        f"{field}: the weights of model {model!r} (provider {resource.provider_id!r}) cannot be located; "
        "pass an HF model folder or a .gguf file instead"
    )


def _adapter_base(adapter: Path) -> str:
    try:
        base = json.loads((adapter / "adapter_config.json").read_text()).get("base_model_name_or_path")
    except (OSError, ValueError) as exc:
        raise BadRequestError(f"cannot read the adapter config in {str(adapter)!r}: {exc}") from None
    if not base:
        raise BadRequestError(f"the adapter in {str(adapter)!r} does not name its base model")
    return str(base)
