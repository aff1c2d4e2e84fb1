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


@dataclass(frozen=True)
class ResourceKind:
    """One kind of resource: how it is registered, stored and which API's providers own it.

    ``registered_key`` is its key under run.yaml's ``registered_resources``; ``build`` turns a
    register request (provider_id resolved) into the stored resource.
    """

    registered_key: str
    type: str
    api: Api
    resource_class: type[Resource]
    register_request: type[BaseModel]
    build: Callable[[Any, str], Resource]
    id_field: str
