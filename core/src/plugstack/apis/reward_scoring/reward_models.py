"""/v1alpha/reward-scoring/models: the reward model routing table (register, list, get, unregister).

Reward models are resources of this API, as shields are of safety, not entries of /v1/models:
they cannot chat, and a model_type the published clients do not know would break their parsing.
"""

from plugstack.apis.declaration import ResourceApi
from plugstack.apis.names import Api
from plugstack.apis.reward_scoring.models import ListRewardModelsResponse, RegisterRewardModelRequest, RewardModel
from plugstack.registry.resources import ResourceKind

REWARD_MODELS = ResourceKind(
    registered_key="reward_models",
    type="reward_model",
    api=Api.reward_scoring,
    resource_class=RewardModel,
    register_request=RegisterRewardModelRequest,
    id_field="reward_model_id",
    provider_id_field="provider_model_id",
)

REWARD_MODELS_API = ResourceApi(
    kind=REWARD_MODELS,
    path="/v1alpha/reward-scoring/models",
    list_response=ListRewardModelsResponse,
    tag="reward-models",
)
