"""The batches API as the core sees it."""

from plugstack.apis.batches.router import BatchesRouter
from plugstack.apis.batches.routes import create_router
from plugstack.apis.declaration import ApiDeclaration
from plugstack.apis.names import Api

DECLARATION = ApiDeclaration(
    api=Api.batches,
    create_router=create_router,
    build_impl=lambda handles, tables: BatchesRouter(handles),
)
