"""A provider plugin whose engine segfaults in its trial run, as llama.cpp's AMX build did.

Installed for a test by putting a ``*.dist-info`` with its entry point on the server's
``PYTHONPATH`` (see test_engine_guard.py), so the real server discovers it like any plugin.
"""

import ctypes
import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict

from plugstack.apis.names import Api
from plugstack.engines.guard import verify_in_child
from plugstack.hookspecs import hookimpl
from plugstack.spec import ProviderContext, ProviderSpec


class CrashingEngineConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")


def crash() -> None:
    """A real invalid read in native code: the child dies of SIGSEGV."""
    ctypes.string_at(0)


def hang(seconds: float) -> None:
    """An engine that never finishes its trial."""
    time.sleep(seconds)


async def create(config: CrashingEngineConfig, context: ProviderContext) -> Any:
    await verify_in_child("tests.support.crashing_engine:crash", {}, what="crashing engine")
    raise AssertionError("the trial run was expected to crash")


@hookimpl
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    register(
        ProviderSpec(
            api=Api.inference,
            provider_type="inline::crashing-engine",
            config_class=CrashingEngineConfig,
            factory=create,
            description="an engine that segfaults on this machine",
        )
    )
