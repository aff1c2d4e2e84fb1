"""/v1/models: the model routing table, readable by both the OpenAI and Llama Stack clients."""

import time
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from plugstack.apis.declaration import ResourceApi
from plugstack.apis.names import Api
from plugstack.registry.resources import Resource, ResourceKind

ModelType = Literal["llm", "embedding"]


class Model(Resource):
    """A model. Carries the Llama Stack fields and the OpenAI ones (id, object, owned_by)."""

    type: Literal["model"] = "model"
    model_type: ModelType = "llm"
    created: int = Field(default_factory=lambda: int(time.time()))

    volatile_fields: ClassVar[frozenset[str]] = frozenset({"created"})

    @computed_field  # type: ignore[prop-decorator]
    @property
    def id(self) -> str:
        return self.identifier

    @computed_field  # type: ignore[prop-decorator]
    @property
    def object(self) -> Literal["model"]:
        return "model"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def owned_by(self) -> str:
        return self.provider_id


class RegisterModelRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    model_id: str = Field(min_length=1, description="the id clients will use")
    provider_id: str | None = Field(default=None, description="defaults to the only inference provider")
    provider_model_id: str | None = Field(default=None, description="the id inside the provider; default model_id")
    model_type: ModelType = "llm"
    metadata: dict[str, Any] = Field(default_factory=dict)


class ListModelsResponse(BaseModel):
    object: Literal["list"] = "list"
    data: list[Model]


MODELS = ResourceKind(
    registered_key="models",
    type="model",
    api=Api.inference,
    resource_class=Model,
    register_request=RegisterModelRequest,
    id_field="model_id",
    provider_id_field="provider_model_id",
)


MODELS_API = ResourceApi(kind=MODELS, path="/v1/models", list_response=ListModelsResponse, tag="models")
