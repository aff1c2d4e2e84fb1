"""The `plugstack` command: exit codes, messages without tracebacks, plugin loading controls."""

import logging
import os
import subprocess
import sys
from pathlib import Path

from plugstack.server.logs import OwnRecordsAt

PLUGSTACK = [sys.executable, "-m", "plugstack.cli"]


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PLUGSTACK, *args], capture_output=True, text=True, env={**os.environ, **(env or {})}, cwd=cwd, timeout=60
    )


def test_help_imports_nothing_heavy() -> None:
    code = (
        "import sys; from plugstack.cli import build_parser; build_parser().format_help();"
        "heavy = {'fastapi', 'uvicorn', 'torch', 'pydantic', 'yaml', 'httpx'} & set(sys.modules); print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert run("--help").returncode == 0


def test_loading_every_plugin_imports_no_engine_nor_http_client() -> None:
    """Every installed plugin (and its config module) is imported whenever a stack starts: they
    stay light, so a stack pays only for the providers it runs."""
    code = (
        "import sys; from plugstack.plugins import get_catalog; get_catalog();"
        "heavy = {'aiohttp', 'httpx', 'torch', 'transformers', 'llama_cpp', 'chromadb', 'ray',"
        " 'plugstack.remote.inference', 'plugstack.apis.vector_io.service'} & set(sys.modules);"
        "print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_version() -> None:
    from plugstack import __version__

    assert run("version").stdout.strip() == __version__


def test_distributions_list_shows_starter() -> None:
    out = run("distributions", "list")
    assert out.returncode == 0 and "starter" in out.stdout


def test_validate_starter_by_name() -> None:
    out = run("validate", "starter")
    assert out.returncode == 0, out.stderr
    assert "OK (starter:" in out.stdout


def test_validate_bad_file_exits_2_with_the_field_and_line(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    path.write_text("version: 1\ndistribution: x\napis: []\nserver:\n  port: many\n")
    for command in ("validate", "run"):
        out = run(command, str(path))
        assert out.returncode == 2
        assert f"{path}:5: server.port: Input should be a valid integer" in out.stderr
        assert "Traceback" not in out.stderr


def test_unknown_distribution_lists_the_installed_ones() -> None:
    out = run("validate", "startr")
    assert out.returncode == 2
    assert "no such file, and no distribution of that name (" in out.stderr and "starter" in out.stderr


def test_env_flag_feeds_interpolation(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    path.write_text("version: 1\ndistribution: ${env.NAME}\napis: []\n")
    assert run("validate", str(path)).returncode == 2
    out = run("validate", str(path), "--env", "NAME=from-flag")
    assert out.returncode == 0 and "OK (from-flag:" in out.stdout


def _fake_dist(site: Path, name: str, module_source: str) -> None:
    """An installed distribution with a plugstack entry point: the real discovery path."""
    (site / f"{name}.py").write_text(module_source)
    info = site / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[plugstack.providers]\n{name} = {name}\n")


def test_a_broken_plugin_is_reported_and_the_rest_load(tmp_path: Path) -> None:
    _fake_dist(tmp_path, "broken_import", "import no_such_module_anywhere\n")
    _fake_dist(
        tmp_path,
        "broken_hook",
        (
            "from plugstack.hookspecs import hookimpl\n"
            "@hookimpl\n"
            "def register_providers(register):\n"
            "    raise RuntimeError('config file missing')\n"
        ),
    )
    out = run("distributions", "list", env={"PYTHONPATH": str(tmp_path)})
    assert out.returncode == 0
    assert "starter" in out.stdout
    assert "plugin broken_import (broken_import) did not load: ModuleNotFoundError" in out.stderr
    assert "plugin broken_hook (broken_hook) did not load: register_providers: config file missing" in out.stderr


def test_autoload_controls(tmp_path: Path) -> None:
    _fake_dist(tmp_path, "broken_import", "import no_such_module_anywhere\n")
    env = {"PYTHONPATH": str(tmp_path)}
    disabled = run("distributions", "list", env={**env, "PLUGSTACK_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert "starter" not in disabled.stdout and "broken_import" not in disabled.stderr
    only = run("distributions", "list", env={**env, "PLUGSTACK_PLUGINS": "plugstack-distributions"})
    assert "starter" in only.stdout and "broken_import" not in only.stderr


def test_every_shipped_run_config_validates() -> None:
    root = Path(__file__).resolve().parents[2]
    configs = [root / "run.yaml.example", *sorted((root / "distributions").rglob("run.yaml"))]
    for config in configs:
        out = run("validate", str(config), env={"VLLM_URL": ""})
        assert out.returncode == 0, f"{config}: {out.stderr}"


def test_the_log_filter_keeps_plugstack_records_at_the_level_and_others_from_warning() -> None:
    def passes(level: str, name: str, levelno: int) -> bool:
        return OwnRecordsAt(level).filter(logging.LogRecord(name, levelno, __file__, 1, "m", None, None))

    assert passes("info", "plugstack_batches.provider", logging.INFO)
    assert passes("info", "plugstack.jobs.manager", logging.INFO)
    assert not passes("info", "plugstack.jobs.manager", logging.DEBUG)
    assert not passes("info", "httpx", logging.INFO)  # one line per request
    assert passes("info", "httpx", logging.WARNING)
    assert not passes("warning", "plugstack_batches.provider", logging.INFO)
    assert passes("debug", "plugstack.stack", logging.DEBUG)
