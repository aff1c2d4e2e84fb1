"""/v1/toolgroups: the tool-group routing table (register, list, get, unregister)."""

from plugstack.apis.declaration import ResourceApi
from plugstack.apis.names import Api
from plugstack.apis.tool_runtime.models import ListToolGroupsResponse, RegisterToolGroupRequest, ToolGroup
from plugstack.registry.resources import ResourceKind

TOOL_GROUPS = ResourceKind(
    registered_key="tool_groups",
    type="tool_group",
    api=Api.tool_runtime,
    resource_class=ToolGroup,
    register_request=RegisterToolGroupRequest,
    id_field="toolgroup_id",
)

TOOL_GROUPS_API = ResourceApi(
    kind=TOOL_GROUPS, path="/v1/toolgroups", list_response=ListToolGroupsResponse, tag="toolgroups"
)
