"""What the safety API serves, and what a safety provider implements.

A provider implements `SafetyProvider`: one shield over a conversation at a time. The router
resolves shields, applies a shield's ``on_failure`` policy and derives moderations from shield
runs, so a provider writes its check once and serves both routes. Like every resource owner it
may also check registrations (``register_resource``) and claim those without a provider_id
(``accepts``).
"""

from typing import Any, Protocol

from plugstack.apis.inference.models import ChatMessage
from plugstack.apis.safety.models import (
    ModerationRequest,
    ModerationResponse,
    RunShieldRequest,
    RunShieldResponse,
    SafetyViolation,
    Shield,
)


class Safety(Protocol):
    async def run_shield(self, request: RunShieldRequest) -> RunShieldResponse: ...

    async def moderations(self, request: ModerationRequest) -> ModerationResponse: ...


class SafetyProvider(Protocol):
    async def check(
        self, shield: Shield, messages: list[ChatMessage], params: dict[str, Any]
    ) -> SafetyViolation | None:
        """The violation the messages commit, or None; raise when the check itself cannot run."""
        ...

    def categories(self, shield: Shield) -> list[str]:
        """Every category the shield can report (moderation results list them all)."""
        ...
