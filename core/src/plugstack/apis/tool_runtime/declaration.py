"""The tool_runtime API as the core sees it."""

from plugstack.apis.declaration import ApiDeclaration
from plugstack.apis.names import Api
from plugstack.apis.tool_runtime.groups import TOOL_GROUPS_API
from plugstack.apis.tool_runtime.router import ToolRuntimeRouter
from plugstack.apis.tool_runtime.routes import create_router

DECLARATION = ApiDeclaration(
    api=Api.tool_runtime,
    create_router=create_router,
    build_impl=lambda handles, tables: ToolRuntimeRouter(tables["tool_groups"], handles),
    resources=(TOOL_GROUPS_API,),
)
