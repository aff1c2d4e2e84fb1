"""The files API as the core sees it."""

from plugstack.apis.declaration import ApiDeclaration
from plugstack.apis.files.router import FilesRouter
from plugstack.apis.files.routes import create_router
from plugstack.apis.names import Api

DECLARATION = ApiDeclaration(
    api=Api.files,
    create_router=create_router,
    build_impl=lambda handles, tables: FilesRouter(handles),
)
