"""First-party named distributions: one folder each, holding run.yaml and distribution.yaml."""

from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

import yaml

from plugstack.hookspecs import hookimpl
from plugstack.spec import DistributionSpec


@hookimpl
def register_distributions(register: Callable[[DistributionSpec], None]) -> None:
    root = Path(str(files(__package__)))
    for folder in sorted(p for p in root.iterdir() if (p / "run.yaml").is_file()):
        meta = yaml.safe_load((folder / "distribution.yaml").read_text()) or {}
        register(
            DistributionSpec(name=folder.name, run_config=folder / "run.yaml", description=meta.get("description", ""))
        )
