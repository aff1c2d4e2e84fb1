"""The eval API as the core sees it."""

from plugstack.apis.declaration import ApiDeclaration
from plugstack.apis.eval.benchmarks import BENCHMARKS_API
from plugstack.apis.eval.router import EvalRouter
from plugstack.apis.eval.routes import create_router
from plugstack.apis.names import Api

DECLARATION = ApiDeclaration(
    api=Api.eval,
    create_router=create_router,
    build_impl=lambda handles, tables: EvalRouter(tables["benchmarks"]),
    resources=(BENCHMARKS_API,),
)
