"""The safety API as the core sees it."""

from plugstack.apis.declaration import ApiDeclaration
from plugstack.apis.names import Api
from plugstack.apis.safety.router import SafetyRouter
from plugstack.apis.safety.routes import create_router
from plugstack.apis.safety.shields import SHIELDS_API

DECLARATION = ApiDeclaration(
    api=Api.safety,
    create_router=create_router,
    build_impl=lambda handles, tables: SafetyRouter(tables["shields"]),
    resources=(SHIELDS_API,),
)
