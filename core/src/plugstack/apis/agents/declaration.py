"""The agents API as the core sees it."""

from plugstack.apis.agents.router import build_agents_impl
from plugstack.apis.agents.routes import create_router
from plugstack.apis.declaration import ApiDeclaration
from plugstack.apis.names import Api

DECLARATION = ApiDeclaration(
    api=Api.agents,
    create_router=create_router,
    build_impl=lambda handles, tables: build_agents_impl(handles),
    resources=(),
)
