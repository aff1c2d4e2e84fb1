"""How an API is declared to the core, and the catalogue of the APIs this core serves."""

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from fastapi import APIRouter

from plugstack.apis.names import Api
from plugstack.registry.handles import ProviderHandle
from plugstack.registry.resources import ResourceKind
from plugstack.registry.routing import RoutingTable


@dataclass(frozen=True)
class ResourceApi:
    """A resource kind and the HTTP routes of its routing table (e.g. /v1/models)."""

    kind: ResourceKind
    create_router: Callable[[RoutingTable], APIRouter]


@dataclass(frozen=True)
class ApiDeclaration:
    """An API: its routes over one implementation object, and how that object is built.

    ``build_impl`` turns the API's provider instances and routing tables into the object the
    routes call and that other providers receive as a dependency (usually a router that
    picks a provider per resource).
    """

    api: Api
    create_router: Callable[[Any], APIRouter]
    build_impl: Callable[[list[ProviderHandle], dict[str, RoutingTable]], Any]
    resources: tuple[ResourceApi, ...] = ()


_DECLARATIONS: dict[Api, str] = {
    Api.inference: "plugstack.apis.inference.declaration",
    Api.datasetio: "plugstack.apis.datasetio.declaration",
    Api.post_training: "plugstack.apis.post_training.declaration",
}


def served_apis() -> list[Api]:
    return list(_DECLARATIONS)


def get_declaration(api: Api) -> ApiDeclaration | None:
    module = _DECLARATIONS.get(api)
    return import_module(module).DECLARATION if module else None
