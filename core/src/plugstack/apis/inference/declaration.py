"""The inference API as the core sees it."""

from plugstack.apis.declaration import ApiDeclaration
from plugstack.apis.inference.router import InferenceRouter
from plugstack.apis.inference.routes import create_router
from plugstack.apis.models import MODELS_API
from plugstack.apis.names import Api

DECLARATION = ApiDeclaration(
    api=Api.inference,
    create_router=create_router,
    build_impl=lambda handles, tables: InferenceRouter(tables["models"]),
    resources=(MODELS_API,),
)
