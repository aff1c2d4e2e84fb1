"""How an API is declared to the core, and the catalogue of the APIs this core serves."""

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from plugstack.apis.names import Api
from plugstack.apis.resource_routes import create_resource_router
from plugstack.registry.handles import ProviderHandle
from plugstack.registry.resources import ResourceKind
from plugstack.registry.routing import RoutingTable


@dataclass(frozen=True)
class ResourceApi:
    """A resource kind served over HTTP: list/register at ``path``, get/unregister below it."""

    kind: ResourceKind
    path: str  # e.g. "/v1/models"
    list_response: type[BaseModel]  # the {data: [...]} body of the list route
    tag: str

    def create_router(self, table: RoutingTable) -> APIRouter:
        return create_resource_router(self, table)


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
    Api.scoring: "plugstack.apis.scoring.declaration",
    Api.eval: "plugstack.apis.eval.declaration",
    Api.post_training: "plugstack.apis.post_training.declaration",
    Api.files: "plugstack.apis.files.declaration",
    Api.safety: "plugstack.apis.safety.declaration",
    Api.vector_io: "plugstack.apis.vector_io.declaration",
    Api.tool_runtime: "plugstack.apis.tool_runtime.declaration",
    Api.agents: "plugstack.apis.agents.declaration",
    Api.batches: "plugstack.apis.batches.declaration",
    Api.synthetic_data_generation: "plugstack.apis.synthetic_data_generation.declaration",
    Api.reward_scoring: "plugstack.apis.reward_scoring.declaration",
}


def served_apis() -> list[Api]:
    return list(_DECLARATIONS)


def get_declaration(api: Api) -> ApiDeclaration | None:
    module = _DECLARATIONS.get(api)
    return import_module(module).DECLARATION if module else None
