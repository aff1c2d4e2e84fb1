"""The generic resource shape and the declaration of a resource kind."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from plugstack.access.principal import Principal
from plugstack.apis.names import Api


class Resource(BaseModel):
    """Something registered with the stack and owned by one provider."""

    identifier: str = Field(description="the id clients use")
    provider_id: str = Field(description="the provider instance that serves it")
    provider_resource_id: str | None = Field(default=None, description="the id inside that provider")
    type: str
    metadata: dict[str, Any] = Field(default_factory=dict)
    owner: Principal | None = Field(default=None, description="who registered it; null: the operator (run.yaml)")

    volatile_fields: ClassVar[frozenset[str]] = frozenset()

    def same_as(self, other: "Resource") -> bool:
        """Equal but for fields set at registration time (such as a timestamp)."""
        return self.model_dump(exclude=set(self.volatile_fields)) == other.model_dump(exclude=set(self.volatile_fields))


# Fields a resource gets from the registry, never copied from a register request.
_REGISTRY_FIELDS = frozenset({"identifier", "provider_id", "provider_resource_id", "type", "owner"})


@dataclass(frozen=True)
class ResourceKind:
    """One kind of resource: how it is registered, stored and which API's providers own it.

    ``registered_key`` is its key under run.yaml's ``registered_resources``. A register request
    (provider_id resolved) becomes the stored resource by ``build`` where a kind needs its own
    logic; otherwise the resource takes the request's fields of the same name, its identifier
    from ``id_field`` and its id inside the provider from ``provider_id_field`` (default: the
    identifier).
    """

    registered_key: str
    type: str
    api: Api
    resource_class: type[Resource]
    register_request: type[BaseModel]
    id_field: str
    provider_id_field: str | None = None
    build: Callable[[Any, str], Resource] | None = None

    def new_resource(self, request: BaseModel, provider_id: str) -> Resource:
        """The resource a register request (already validated) stands for."""
        if self.build is not None:
            return self.build(request, provider_id)
        identifier = getattr(request, self.id_field)
        in_provider = getattr(request, self.provider_id_field) if self.provider_id_field else None
        shared = (type(request).model_fields.keys() & self.resource_class.model_fields.keys()) - _REGISTRY_FIELDS
        return self.resource_class(
            identifier=identifier,
            provider_id=provider_id,
            provider_resource_id=in_provider or identifier,
            **{name: getattr(request, name) for name in shared},
        )
