"""The synthetic data generation API as the core sees it."""

from plugstack.apis.declaration import ApiDeclaration
from plugstack.apis.names import Api
from plugstack.apis.synthetic_data_generation.router import SyntheticDataGenerationRouter
from plugstack.apis.synthetic_data_generation.routes import create_router

DECLARATION = ApiDeclaration(
    api=Api.synthetic_data_generation,
    create_router=create_router,
    build_impl=lambda handles, tables: SyntheticDataGenerationRouter(handles),
)
