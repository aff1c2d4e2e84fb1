"""The post_training API as the core sees it."""

from plugstack.apis.declaration import ApiDeclaration
from plugstack.apis.names import Api
from plugstack.apis.post_training.router import PostTrainingRouter
from plugstack.apis.post_training.routes import create_router

DECLARATION = ApiDeclaration(
    api=Api.post_training,
    create_router=create_router,
    build_impl=lambda handles, tables: PostTrainingRouter(handles),
)
