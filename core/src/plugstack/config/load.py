"""Load a run config by name or path and check it completely before anything starts.

Every problem found is reported at once, each with its YAML path, line, what was expected
and what was found.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from plugstack.apis.declaration import get_declaration, served_apis
from plugstack.apis.names import Api
from plugstack.config.issues import ConfigError, ConfigIssue
from plugstack.config.schema import CURRENT_VERSION, RunConfig
from plugstack.config.yaml_source import YamlSource, load_yaml
from plugstack.plugins import Catalog
from plugstack.registry.resources import ResourceKind


@dataclass
class LoadedConfig:
    """A run config that passed every check, with each provider's config validated."""

    config: RunConfig
    source: str
    provider_configs: dict[str, BaseModel]
    resource_requests: list[tuple[ResourceKind, BaseModel]]


def resolve_source(name_or_path: str, catalog: Catalog) -> Path:
    """A path to a run.yaml, or the name of an installed distribution."""
    path = Path(name_or_path).expanduser()
    if path.is_file():
        return path
    spec = catalog.distributions.get(name_or_path)
    if spec is not None:
        return spec.run_config
    known = ", ".join(sorted(catalog.distributions)) or "none installed"
    raise ConfigError(
        name_or_path,
        [ConfigIssue(path=(), line=None, message=f"no such file, and no distribution of that name ({known})")],
    )


def load_run_config(name_or_path: str, catalog: Catalog, env: Mapping[str, str] | None = None) -> LoadedConfig:
    path = resolve_source(name_or_path, catalog)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(str(path), [ConfigIssue(path=(), line=None, message=f"cannot read: {exc}")]) from None
    return parse_run_config(text, str(path), catalog, os.environ if env is None else env)


def parse_run_config(text: str, source: str, catalog: Catalog, env: Mapping[str, str]) -> LoadedConfig:
    doc = load_yaml(text, source, env)
    if not isinstance(doc.data, dict):
        raise ConfigError(source, [doc.issue((), "the top level must be a mapping", found=doc.data)])
    _check_version(doc)
    try:
        config = RunConfig.model_validate(doc.data)
    except ValidationError as exc:
        raise ConfigError(source, _pydantic_issues(doc, (), exc)) from None
    checker = _Checker(doc, config, catalog)
    loaded = checker.check()
    if checker.issues:
        raise ConfigError(source, checker.issues)
    return loaded


def _check_version(doc: YamlSource) -> None:
    version = doc.data.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version > CURRENT_VERSION:
        raise ConfigError(
            doc.source,
            [
                doc.issue(
                    ("version",),
                    "this file is for a newer plugstack; upgrade plugstack to read it",
                    expected=f"version <= {CURRENT_VERSION}",
                    found=version,
                )
            ],
        )


def _pydantic_issues(doc: YamlSource, prefix: tuple[str | int, ...], error: ValidationError) -> list[ConfigIssue]:
    issues = []
    for item in error.errors():
        path = (*prefix, *(part for part in item["loc"] if not _is_union_tag(part)))
        kind = item["type"]
        found = None if kind == "missing" else item.get("input")
        message = "unknown field (not allowed here)" if kind == "extra_forbidden" else item["msg"]
        expected = _expected(item)
        issues.append(doc.issue(path, message, expected=expected, found=found))
    return issues


def _is_union_tag(part: str | int) -> bool:
    return isinstance(part, str) and ("[" in part or part in ("function-after", "function-before"))


def _expected(item: Any) -> str | None:
    ctx = item.get("ctx") or {}
    if "expected" in ctx:
        return str(ctx["expected"])
    if item["type"] == "missing":
        return "this field"
    return None


class _Checker:
    """The checks a schema cannot express: they need the installed plugins."""

    def __init__(self, doc: YamlSource, config: RunConfig, catalog: Catalog) -> None:
        self.doc = doc
        self.config = config
        self.catalog = catalog
        self.issues: list[ConfigIssue] = []

    def add(self, path: tuple[str | int, ...], message: str, expected: str | None = None, found: Any = None) -> None:
        self.issues.append(self.doc.issue(path, message, expected=expected, found=found))

    def check(self) -> LoadedConfig:
        self._check_apis()
        provider_configs = self._check_providers()
        self._check_storage()
        requests = self._check_resources()
        return LoadedConfig(self.config, self.doc.source, provider_configs, requests)

    def _check_apis(self) -> None:
        served = served_apis()
        for index, api in enumerate(self.config.apis):
            if api not in served:
                self.add(
                    ("apis", index),
                    f"API {api.value!r} is not served by this plugstack yet",
                    expected=", ".join(a.value for a in served),
                    found=api.value,
                )
            elif not self.config.providers.get(api):
                self.add(
                    ("apis", index),
                    f"API {api.value!r} is listed but has no provider",
                    expected=f"at least one entry under providers.{api.value}",
                )
        for api in self.config.providers:
            if api not in self.config.apis:
                self.add(
                    ("providers", api.value),
                    f"providers are given for {api.value!r}, which apis does not list",
                    expected=f"{api.value!r} in apis",
                )

    def _check_providers(self) -> dict[str, BaseModel]:
        seen: set[str] = set()
        validated: dict[str, BaseModel] = {}
        for api, index, entry in self.config.provider_entries():
            path: tuple[str | int, ...] = ("providers", api.value, index)
            if entry.provider_id in seen:
                self.add(
                    (*path, "provider_id"), "duplicate provider_id", expected="a unique name", found=entry.provider_id
                )
            seen.add(entry.provider_id)
            spec = self.catalog.spec(api, entry.provider_type)
            if spec is None:
                installed = ", ".join(self.catalog.provider_types(api)) or "none installed"
                elsewhere = self.catalog.apis_of(entry.provider_type)
                what = (
                    f"provider_type implements {', '.join(repr(a.value) for a in elsewhere)}"
                    if elsewhere
                    else "unknown provider_type"
                )
                self.add(
                    (*path, "provider_type"),
                    f"{what} for API {api.value!r}",
                    expected=f"one of: {installed}",
                    found=entry.provider_type,
                )
                continue
            origin = self.catalog.origin[(api, entry.provider_type)]
            if entry.module and entry.module != origin.package:
                self.add(
                    (*path, "module"),
                    "provider_type comes from another package",
                    expected=origin.package,
                    found=entry.module,
                )
            for dependency in spec.api_dependencies:
                if dependency not in self.config.apis:
                    self.add(
                        (*path, "provider_type"),
                        f"{entry.provider_type} needs the {dependency.value!r} API",
                        expected=f"{dependency.value!r} in apis",
                    )
            try:
                validated[entry.provider_id] = spec.config_class.model_validate(entry.config)
            except ValidationError as exc:
                self.issues.extend(_pydantic_issues(self.doc, (*path, "config"), exc))
        self._check_cycles()
        return validated

    def _check_cycles(self) -> None:
        graph: dict[Api, set[Api]] = {}
        for api, _, entry in self.config.provider_entries():
            spec = self.catalog.spec(api, entry.provider_type)
            if spec:
                graph.setdefault(api, set()).update(spec.api_dependencies)
        try:
            dependency_order(graph)
        except ValueError as exc:
            self.add(("providers",), str(exc))

    def _check_storage(self) -> None:
        storage = self.config.storage
        for field in ("registry", "jobs", "providers"):
            name = getattr(storage, field)
            if name not in storage.backends:
                self.add(
                    ("storage", field),
                    "refers to an undefined backend",
                    expected=f"one of: {', '.join(storage.backends)}",
                    found=name,
                )

    def _check_resources(self) -> list[tuple[ResourceKind, BaseModel]]:
        kinds = _resource_kinds(self.config.apis)
        requests: list[tuple[ResourceKind, BaseModel]] = []
        for key, items in self.config.registered_resources.items():
            kind = kinds.get(key)
            if kind is None:
                self.add(
                    ("registered_resources", key),
                    "no API in apis takes resources of this kind",
                    expected=f"one of: {', '.join(sorted(kinds)) or 'none for these apis'}",
                    found=key,
                )
                continue
            api_providers = {entry.provider_id for entry in self.config.providers.get(kind.api, [])}
            for index, item in enumerate(items):
                path = ("registered_resources", key, index)
                try:
                    request = kind.register_request.model_validate(item)
                except ValidationError as exc:
                    self.issues.extend(_pydantic_issues(self.doc, path, exc))
                    continue
                provider_id = getattr(request, "provider_id", None)
                if provider_id is not None and provider_id not in api_providers:
                    self.add(
                        (*path, "provider_id"),
                        f"not a {kind.api.value} provider of this run config",
                        expected=f"one of: {', '.join(sorted(api_providers)) or 'none'}",
                        found=provider_id,
                    )
                    continue
                requests.append((kind, request))
        return requests


def _resource_kinds(apis: list[Api]) -> dict[str, ResourceKind]:
    kinds: dict[str, ResourceKind] = {}
    for api in apis:
        declaration = get_declaration(api)
        if declaration:
            kinds.update({r.kind.registered_key: r.kind for r in declaration.resources})
    return kinds


def dependency_order(graph: dict[Api, set[Api]]) -> list[Api]:
    """APIs so that each comes after the APIs its providers depend on; ValueError on a cycle."""
    order: list[Api] = []
    state: dict[Api, str] = {}

    def visit(api: Api, trail: list[Api]) -> None:
        if state.get(api) == "done":
            return
        if state.get(api) == "visiting":
            cycle = " -> ".join(a.value for a in [*trail[trail.index(api) :], api])
            raise ValueError(f"provider dependencies form a cycle: {cycle}")
        state[api] = "visiting"
        for dependency in sorted(graph.get(api, ())):
            visit(dependency, [*trail, api])
        state[api] = "done"
        order.append(api)

    for api in sorted(graph):
        visit(api, [])
    return order
