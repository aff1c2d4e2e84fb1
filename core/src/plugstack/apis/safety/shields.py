"""/v1/shields: the shield routing table (register, list, get, unregister)."""

from plugstack.apis.declaration import ResourceApi
from plugstack.apis.names import Api
from plugstack.apis.safety.models import ListShieldsResponse, RegisterShieldRequest, Shield
from plugstack.registry.resources import ResourceKind

SHIELDS = ResourceKind(
    registered_key="shields",
    type="shield",
    api=Api.safety,
    resource_class=Shield,
    register_request=RegisterShieldRequest,
    id_field="shield_id",
    provider_id_field="provider_shield_id",
)

SHIELDS_API = ResourceApi(kind=SHIELDS, path="/v1/shields", list_response=ListShieldsResponse, tag="shields")
