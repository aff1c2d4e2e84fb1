"""The scoring API as the core sees it."""

from plugstack.apis.declaration import ApiDeclaration
from plugstack.apis.names import Api
from plugstack.apis.scoring.functions import SCORING_FNS_API
from plugstack.apis.scoring.router import ScoringRouter
from plugstack.apis.scoring.routes import create_router

DECLARATION = ApiDeclaration(
    api=Api.scoring,
    create_router=create_router,
    build_impl=lambda handles, tables: ScoringRouter(tables["scoring_fns"], tables),
    resources=(SCORING_FNS_API,),
)
