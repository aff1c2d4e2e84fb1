"""Routes each shield to its provider, applies its failure policy, and serves moderations.

A moderation is a shield run per input text: the provider's violation becomes OpenAI's
``flagged`` / ``categories`` / ``category_scores`` (1.0 for each category hit), so every
safety provider serves /v1/moderations without code of its own.
"""

import asyncio
import logging
from typing import Any, get_args

from plugstack.apis.inference.models import ChatMessage
from plugstack.apis.safety.models import (
    ON_FAILURE_PARAM,
    ModerationRequest,
    ModerationResponse,
    ModerationResult,
    OnFailure,
    RunShieldRequest,
    RunShieldResponse,
    SafetyViolation,
    Shield,
)
from plugstack.apis.safety.protocol import SafetyProvider
from plugstack.errors import BadRequestError, PlugstackError, ProviderUnavailableError, not_found
from plugstack.registry.routing import RoutingTable

log = logging.getLogger(__name__)

CATEGORIES_KEY = "categories"  # violation.metadata[...]: the categories a violation hit
BLOCKED_MESSAGE = "I can't check this message right now, so I can't answer it."


def _on_failure(shield: Shield, params: dict[str, Any]) -> OnFailure:
    policy = params.pop(ON_FAILURE_PARAM, "error")
    if policy not in get_args(OnFailure):
        raise BadRequestError(
            f"params.{ON_FAILURE_PARAM} of shield {shield.identifier!r}: {policy!r} is not one of "
            f"{', '.join(get_args(OnFailure))}"
        )
    return policy


class SafetyRouter:
    def __init__(self, shields: RoutingTable) -> None:
        self._shields = shields

    async def check(
        self, shield_id: str, messages: list[ChatMessage], params: dict[str, Any]
    ) -> SafetyViolation | None:
        """One shield over ``messages``, its ``on_failure`` policy applied (also for agents)."""
        shield, provider = self._shields.route(shield_id)
        assert isinstance(shield, Shield)
        merged = {**(shield.params or {}), **params}
        policy = _on_failure(shield, merged)
        try:
            return await provider.check(shield, messages, merged)
        except BadRequestError:
            raise  # the request is wrong, not the shield
        except Exception as exc:
            reason = exc.detail if isinstance(exc, PlugstackError) else f"{type(exc).__name__}: {exc}"
            if policy == "error":
                raise ProviderUnavailableError(f"shield {shield.identifier!r} could not run: {reason}") from exc
            log.warning("shield %s failed (%s): %s", shield.identifier, policy, reason)
            if policy == "block":
                return SafetyViolation(
                    violation_level="error", user_message=BLOCKED_MESSAGE, metadata={"error": reason}
                )
            return SafetyViolation(violation_level="info", metadata={"error": reason})

    async def run_shield(self, request: RunShieldRequest) -> RunShieldResponse:
        return RunShieldResponse(violation=await self.check(request.shield_id, request.messages, request.params))

    def _moderation_shield(self, model: str | None) -> Shield:
        shields = [shield for shield in self._shields.all() if isinstance(shield, Shield)]
        identifiers = [shield.identifier for shield in shields]
        if model is None:
            if len(shields) != 1:
                raise BadRequestError(f"model: name the shield to moderate with (one of: {', '.join(identifiers)})")
            return shields[0]
        matches = [s for s in shields if s.identifier == model] or [
            s for s in shields if s.provider_resource_id == model
        ]
        if not matches:
            raise not_found("shield", model, identifiers)
        if len(matches) > 1:
            raise BadRequestError(
                f"model: {model!r} is the provider_shield_id of several shields "
                f"({', '.join(s.identifier for s in matches)}); name one by its shield id"
            )
        return matches[0]

    async def moderations(self, request: ModerationRequest) -> ModerationResponse:
        texts = request.texts()
        if not texts:
            raise BadRequestError("input: give at least one text")
        shield = self._moderation_shield(request.model)
        provider: SafetyProvider = self._shields.route(shield.identifier)[1]
        violations = await asyncio.gather(
            *(self.check(shield.identifier, [ChatMessage(role="user", content=text)], {}) for text in texts)
        )
        known = provider.categories(shield)
        results = [_moderation(violation, known) for violation in violations]
        return ModerationResponse(
            model=request.model or shield.provider_resource_id or shield.identifier, results=results
        )


def _moderation(violation: SafetyViolation | None, known: list[str]) -> ModerationResult:
    flagged = violation is not None and violation.violation_level != "info"
    hit = list(violation.metadata.get(CATEGORIES_KEY, [])) if violation is not None and flagged else []
    every = list(dict.fromkeys([*known, *hit]))
    return ModerationResult(
        flagged=flagged,
        categories={category: category in hit for category in every},
        category_scores={category: 1.0 if category in hit else 0.0 for category in every},
        category_applied_input_types={category: ["text"] for category in hit},
        user_message=violation.user_message if flagged and violation is not None else None,
        metadata=violation.metadata if violation is not None else {},
    )
