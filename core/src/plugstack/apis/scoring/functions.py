"""/v1/scoring-functions: the scoring-function routing table (register, list, get, unregister)."""

from plugstack.apis.declaration import ResourceApi
from plugstack.apis.names import Api
from plugstack.apis.scoring.models import ListScoringFunctionsResponse, RegisterScoringFnRequest, ScoringFn
from plugstack.registry.resources import ResourceKind

SCORING_FNS = ResourceKind(
    registered_key="scoring_fns",
    type="scoring_function",
    api=Api.scoring,
    resource_class=ScoringFn,
    register_request=RegisterScoringFnRequest,
    id_field="scoring_fn_id",
    provider_id_field="provider_scoring_fn_id",
)


SCORING_FNS_API = ResourceApi(
    kind=SCORING_FNS, path="/v1/scoring-functions", list_response=ListScoringFunctionsResponse, tag="scoring-functions"
)
