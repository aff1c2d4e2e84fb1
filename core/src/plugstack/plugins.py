"""Discovery: load every plugin from entry points and collect what it registers.

A plugin that fails to import, or whose hook raises, is recorded with its name and the
reason; the others load. ``PLUGSTACK_DISABLE_PLUGIN_AUTOLOAD=1`` loads none and
``PLUGSTACK_PLUGINS=a,b`` loads only the named ones (entry-point or distribution names).
"""

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType

import pluggy

from plugstack import hookspecs
from plugstack.apis.names import Api
from plugstack.spec import DistributionSpec, ProviderSpec

ENTRY_POINT_GROUPS = ("plugstack.providers", "plugstack.distributions")
DISABLE_AUTOLOAD_ENV = "PLUGSTACK_DISABLE_PLUGIN_AUTOLOAD"
ONLY_PLUGINS_ENV = "PLUGSTACK_PLUGINS"


@dataclass(frozen=True)
class PluginInfo:
    """Where a plugin came from, so /v1/providers and the CLI can show package and version."""

    name: str
    package: str
    version: str


@dataclass(frozen=True)
class PluginFailure:
    name: str
    package: str
    reason: str


@dataclass
class Catalog:
    """Everything the installed plugins registered."""

    # Keyed by (API, provider_type): one name may serve several APIs, as Llama Stack's
    # `inline::meta-reference` does for agents and eval.
    providers: dict[tuple[Api, str], ProviderSpec] = field(default_factory=dict)
    distributions: dict[str, DistributionSpec] = field(default_factory=dict)
    origin: dict[tuple[Api, str], PluginInfo] = field(default_factory=dict)
    plugins: list[PluginInfo] = field(default_factory=list)
    failures: list[PluginFailure] = field(default_factory=list)

    def provider_types(self, api: Api | None = None) -> list[str]:
        return sorted({t for (a, t) in self.providers if api is None or a == api})

    def spec(self, api: Api, provider_type: str) -> ProviderSpec | None:
        return self.providers.get((api, provider_type))

    def apis_of(self, provider_type: str) -> list[Api]:
        """The APIs a provider_type serves (to say so when run.yaml puts it under another)."""
        return [a for (a, t) in self.providers if t == provider_type]


def _wanted(ep: EntryPoint) -> bool:
    if os.environ.get(DISABLE_AUTOLOAD_ENV, "").strip() not in ("", "0"):
        return False
    only = os.environ.get(ONLY_PLUGINS_ENV, "").strip()
    if not only:
        return True
    names = {n.strip() for n in only.split(",") if n.strip()}
    package = ep.dist.name if ep.dist else ""
    return ep.name in names or package in names


def _entry_point_plugins() -> Iterable[tuple[PluginInfo, EntryPoint]]:
    for group in ENTRY_POINT_GROUPS:
        for ep in entry_points(group=group):
            if _wanted(ep):
                dist = ep.dist
                info = PluginInfo(ep.name, dist.name if dist else "?", dist.version if dist else "?")
                yield info, ep


def build_catalog(extra: Iterable[tuple[PluginInfo, ModuleType]] = ()) -> Catalog:
    """Load entry-point plugins (plus ``extra`` modules, for embedding and tests)."""
    pm = pluggy.PluginManager("plugstack")
    pm.add_hookspecs(hookspecs)
    catalog = Catalog()
    loaded: list[tuple[PluginInfo, object]] = []
    for info, ep in _entry_point_plugins():
        try:
            module = ep.load()
            pm.register(module, name=f"{info.package}:{info.name}")
        except Exception as exc:  # noqa: BLE001 - any import failure must be reported, not raised
            catalog.failures.append(PluginFailure(info.name, info.package, f"{type(exc).__name__}: {exc}"))
            continue
        loaded.append((info, module))
    for info, module in extra:
        pm.register(module, name=f"{info.package}:{info.name}")
        loaded.append((info, module))

    catalog.plugins.extend(info for info, _ in loaded)
    by_name = {f"{info.package}:{info.name}": info for info, _ in loaded}
    _collect(pm, catalog, by_name)
    return catalog


def _collect(pm: pluggy.PluginManager, catalog: Catalog, by_name: dict[str, PluginInfo]) -> None:
    """Call each plugin's hooks one at a time, so a failing plugin is isolated and named."""
    for hook_name, spec_kind in (("register_providers", "provider"), ("register_distributions", "distribution")):
        for impl in getattr(pm.hook, hook_name).get_hookimpls():
            info = by_name[impl.plugin_name]
            try:
                impl.function(register=_registrar(catalog, info, spec_kind))
            except Exception as exc:  # noqa: BLE001 - a broken plugin never takes the others down
                catalog.failures.append(PluginFailure(info.name, info.package, f"{hook_name}: {exc}"))


def _registrar(catalog: Catalog, info: PluginInfo, spec_kind: str) -> Callable[..., None]:
    def register_provider(spec: ProviderSpec) -> None:
        key = (spec.api, spec.provider_type)
        if key in catalog.providers:
            other = catalog.origin[key]
            raise ValueError(
                f"{spec.api.value} provider_type {spec.provider_type!r} is already registered by {other.package}"
            )
        catalog.providers[key] = spec
        catalog.origin[key] = info

    def register_distribution(spec: DistributionSpec) -> None:
        if spec.name in catalog.distributions:
            raise ValueError(f"distribution {spec.name!r} is already registered")
        catalog.distributions[spec.name] = spec

    return register_provider if spec_kind == "provider" else register_distribution


@cache
def get_catalog() -> Catalog:
    """The process-wide catalogue, loaded once."""
    return build_catalog()
