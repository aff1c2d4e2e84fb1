"""/v1/shields: the shield routing table (register, list, get, unregister)."""

from plugstack.apis.declaration import ResourceApi
from plugstack.apis.names import Api
from plugstack.apis.safety.models import ListShieldsResponse, RegisterShieldRequest, Shield
from plugstack.registry.resources import ResourceKind


def _build(request: RegisterShieldRequest, provider_id: str) -> Shield:
    return Shield(
        identifier=request.shield_id,
        provider_id=provider_id,
        provider_resource_id=request.provider_shield_id or request.shield_id,
        params=request.params,
        metadata=request.metadata,
    )


SHIELDS = ResourceKind(
    registered_key="shields",
    type="shield",
    api=Api.safety,
    resource_class=Shield,
    register_request=RegisterShieldRequest,
    build=_build,
    id_field="shield_id",
)

SHIELDS_API = ResourceApi(kind=SHIELDS, path="/v1/shields", list_response=ListShieldsResponse, tag="shields")
