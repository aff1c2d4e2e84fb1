"""/v1/providers: each provider instance with its package, version, config and health."""

import asyncio
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field, SecretStr

from plugstack.errors import not_found
from plugstack.registry.handles import ProviderHandle


class ProviderInfo(BaseModel):
    api: str
    provider_id: str
    provider_type: str
    package: str = Field(description="the Python distribution that registered this provider type")
    version: str = Field(description="that distribution's version")
    config: dict[str, Any] = Field(description="the provider's config, secrets masked")
    health: dict[str, Any]


class ListProvidersResponse(BaseModel):
    data: list[ProviderInfo]


def _masked(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return "********"
    if isinstance(value, BaseModel):
        return {name: _masked(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(v) for v in value]
    return value if isinstance(value, str | int | float | bool | None) else str(value)


async def describe(handle: ProviderHandle) -> ProviderInfo:
    health = await handle.health()
    return ProviderInfo(
        api=handle.api.value,
        provider_id=handle.provider_id,
        provider_type=handle.provider_type,
        package=handle.origin.package,
        version=handle.origin.version,
        config=_masked(handle.config),
        health=health.model_dump(exclude_none=True),
    )


def create_router(handles: list[ProviderHandle]) -> APIRouter:
    router = APIRouter(tags=["providers"])

    @router.get("/v1/providers", response_model=ListProvidersResponse, summary="List providers")
    async def list_providers() -> ListProvidersResponse:
        return ListProvidersResponse(data=list(await asyncio.gather(*(describe(h) for h in handles))))

    @router.get("/v1/providers/{provider_id}", response_model=ProviderInfo, summary="Get a provider")
    async def get_provider(provider_id: str) -> ProviderInfo:
        handle = next((h for h in handles if h.provider_id == provider_id), None)
        if handle is None:
            raise not_found("provider", provider_id, [h.provider_id for h in handles])
        return await describe(handle)

    return router
