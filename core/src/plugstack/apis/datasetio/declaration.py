"""The datasetio API as the core sees it."""

from plugstack.apis.datasetio.datasets import DATASETS_API
from plugstack.apis.datasetio.router import DatasetIORouter
from plugstack.apis.datasetio.routes import create_router
from plugstack.apis.declaration import ApiDeclaration
from plugstack.apis.names import Api

DECLARATION = ApiDeclaration(
    api=Api.datasetio,
    create_router=create_router,
    build_impl=lambda handles, tables: DatasetIORouter(tables["datasets"]),
    resources=(DATASETS_API,),
)
