"""/v1/health, /v1/version and /v1/inspect/routes."""

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from plugstack import __version__


class HealthInfo(BaseModel):
    status: Literal["OK", "Error", "Not Implemented"]


class VersionInfo(BaseModel):
    version: str


class RouteInfo(BaseModel):
    route: str
    method: str
    provider_types: list[str] = Field(description="provider types behind the route; empty for core routes")


class ListRoutesResponse(BaseModel):
    data: list[RouteInfo]


def create_router(routes: list[RouteInfo]) -> APIRouter:
    """``routes`` is filled in by the server once every API router is mounted."""
    router = APIRouter(tags=["inspect"])

    @router.get("/v1/health", response_model=HealthInfo, summary="Is the server up")
    async def health() -> HealthInfo:
        return HealthInfo(status="OK")

    @router.get("/v1/version", response_model=VersionInfo, summary="plugstack version")
    async def version() -> VersionInfo:
        return VersionInfo(version=__version__)

    @router.get("/v1/inspect/routes", response_model=ListRoutesResponse, summary="Every route served")
    async def list_routes() -> ListRoutesResponse:
        return ListRoutesResponse(data=routes)

    return router
