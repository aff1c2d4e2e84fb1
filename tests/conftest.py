"""Fixtures shared by the whole suite."""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_PROVIDER = ROOT / "examples" / "external-provider"
# `postgres` (a session-wide PostgreSQL server) and `storage_backend` (SQLite, then PostgreSQL)
pytest_plugins = ["tests.support.postgres"]


@pytest.fixture(scope="session")
def markov_provider() -> Iterator[Path]:
    """The example third-party provider, pip-installed from its folder for this session.

    Yields the folder (its run.yaml serves the provider)."""
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--no-deps", str(EXAMPLE_PROVIDER)], check=True, capture_output=True)
    try:
        yield EXAMPLE_PROVIDER
    finally:
        subprocess.run([*pip, "uninstall", "-y", "plugstack-markov"], check=False, capture_output=True)
