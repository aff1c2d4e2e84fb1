"""/v1/toolgroups: the tool-group routing table (register, list, get, unregister)."""

from plugstack.apis.declaration import ResourceApi
from plugstack.apis.names import Api
from plugstack.apis.tool_runtime.models import ListToolGroupsResponse, RegisterToolGroupRequest, ToolGroup
from plugstack.registry.resources import ResourceKind


def _build(request: RegisterToolGroupRequest, provider_id: str) -> ToolGroup:
    return ToolGroup(
        identifier=request.toolgroup_id,
        provider_id=provider_id,
        provider_resource_id=request.toolgroup_id,
        args=request.args,
        mcp_endpoint=request.mcp_endpoint,
    )


TOOL_GROUPS = ResourceKind(
    registered_key="tool_groups",
    type="tool_group",
    api=Api.tool_runtime,
    resource_class=ToolGroup,
    register_request=RegisterToolGroupRequest,
    build=_build,
    id_field="toolgroup_id",
)

TOOL_GROUPS_API = ResourceApi(
    kind=TOOL_GROUPS, path="/v1/toolgroups", list_response=ListToolGroupsResponse, tag="toolgroups"
)
