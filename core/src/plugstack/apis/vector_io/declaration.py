"""The vector_io API as the core sees it: vector stores and chunk-level vector-io."""

from plugstack.apis.declaration import ApiDeclaration
from plugstack.apis.names import Api
from plugstack.apis.vector_io.router import VectorIORouter
from plugstack.apis.vector_io.routes import create_router

DECLARATION = ApiDeclaration(
    api=Api.vector_io,
    create_router=create_router,
    build_impl=lambda handles, tables: VectorIORouter(handles),
)
