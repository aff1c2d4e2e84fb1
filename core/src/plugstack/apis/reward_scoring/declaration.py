"""The reward scoring API as the core sees it."""

from plugstack.apis.declaration import ApiDeclaration
from plugstack.apis.names import Api
from plugstack.apis.reward_scoring.reward_models import REWARD_MODELS_API
from plugstack.apis.reward_scoring.router import RewardScoringRouter
from plugstack.apis.reward_scoring.routes import create_router

DECLARATION = ApiDeclaration(
    api=Api.reward_scoring,
    create_router=create_router,
    build_impl=lambda handles, tables: RewardScoringRouter(tables["reward_models"]),
    resources=(REWARD_MODELS_API,),
)
