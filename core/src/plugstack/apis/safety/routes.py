"""HTTP routes of the safety API: run-shield and OpenAI's moderations."""

from fastapi import APIRouter

from plugstack.apis.safety.models import ModerationRequest, ModerationResponse, RunShieldRequest, RunShieldResponse
from plugstack.apis.safety.protocol import Safety


def create_router(impl: Safety) -> APIRouter:
    router = APIRouter(tags=["safety"])

    @router.post("/v1/safety/run-shield", response_model=RunShieldResponse, summary="Check messages with a shield")
    async def run_shield(body: RunShieldRequest) -> RunShieldResponse:
        return await impl.run_shield(body)

    @router.post("/v1/moderations", response_model=ModerationResponse, summary="Classify texts (OpenAI-compatible)")
    async def moderations(body: ModerationRequest) -> ModerationResponse:
        return await impl.moderations(body)

    return router
