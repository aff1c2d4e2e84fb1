"""Install a test plugin for a real server: a ``*.dist-info`` with its entry point, put on the
server's PYTHONPATH, so the server discovers it exactly as it discovers a pip-installed one."""

import os
from pathlib import Path

from tests.conftest import ROOT


def plugin_env(site: Path, name: str, module: str) -> dict[str, str]:
    """Environment for `run_server` that makes ``module`` the plugin ``name``."""
    info = site / f"plugstack_test_{name.replace('-', '_')}-0.1.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: plugstack-test-{name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[plugstack.providers]\n{name} = {module}\n")
    return {"PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}
