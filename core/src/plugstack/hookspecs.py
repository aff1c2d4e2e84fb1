"""The hooks a plugstack plugin implements. Each hands a `register` callback in;
plugins never return structures, so the core owns duplicates and errors."""

from collections.abc import Callable

import pluggy

from plugstack.spec import DistributionSpec, ProviderSpec

hookspec = pluggy.HookspecMarker("plugstack")
hookimpl = pluggy.HookimplMarker("plugstack")


@hookspec
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    """Register provider specs: call ``register(ProviderSpec(...))`` once per provider type."""


@hookspec
def register_distributions(register: Callable[[DistributionSpec], None]) -> None:
    """Register named distributions: call ``register(DistributionSpec(...))`` for each."""
