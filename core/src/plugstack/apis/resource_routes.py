"""The four routes every resource kind has — list, register, get, unregister — written once.

A kind's routes differ only in path, models and names, so they are generated from its
`ResourceApi` rather than written out per kind.
"""

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Path, Response

from plugstack.registry.resources import Resource
from plugstack.registry.routing import RoutingTable

# Stored with a resource but never sent: the published clients' types do not know the owner,
# and who owns what is the access policy's business, not every reader's.
INTERNAL_FIELDS = {"owner"}
LIST_INTERNAL_FIELDS = {"data": {"__all__": INTERNAL_FIELDS}}

if TYPE_CHECKING:
    from plugstack.apis.declaration import ResourceApi


def create_resource_router(api: "ResourceApi", table: RoutingTable) -> APIRouter:
    kind = api.kind
    register_request = kind.register_request
    list_response = api.list_response
    noun = kind.type.replace("_", " ")
    item_path = f"{api.path}/{{{kind.id_field}:path}}"
    identifier = Annotated[str, Path(alias=kind.id_field, description=f"the {noun}'s identifier")]
    router = APIRouter(tags=[api.tag])

    async def list_resources() -> Any:
        return list_response(data=table.all())

    async def register(request: register_request) -> Resource:  # type: ignore[valid-type]
        return await table.register(request)

    async def get(resource_id: identifier) -> Resource:  # type: ignore[valid-type]
        return table.get(resource_id)

    async def unregister(resource_id: identifier) -> Response:  # type: ignore[valid-type]
        await table.unregister(resource_id)
        return Response(status_code=204)

    name = kind.type
    router.add_api_route(
        api.path,
        list_resources,
        methods=["GET"],
        response_model=list_response,
        response_model_exclude=LIST_INTERNAL_FIELDS,
        summary=f"List {noun}s",
        operation_id=f"list_{name}s",
    )
    router.add_api_route(
        api.path,
        register,
        methods=["POST"],
        response_model=kind.resource_class,
        response_model_exclude=INTERNAL_FIELDS,
        summary=f"Register a {noun}",
        operation_id=f"register_{name}",
    )
    router.add_api_route(
        item_path,
        get,
        methods=["GET"],
        response_model=kind.resource_class,
        response_model_exclude=INTERNAL_FIELDS,
        summary=f"Get a {noun}",
        operation_id=f"get_{name}",
    )
    router.add_api_route(
        item_path,
        unregister,
        methods=["DELETE"],
        status_code=204,
        summary=f"Unregister a {noun}",
        operation_id=f"unregister_{name}",
    )
    return router
