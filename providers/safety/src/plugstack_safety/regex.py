"""`inline::regex`: deny patterns and PII detectors; no model, deterministic, microseconds a check.

A shield's ``params.categories`` narrows it to some of the provider's patterns and detectors,
so one provider serves e.g. a `pii` shield and a `competitors` shield. The matched text is
never echoed back: the violation names categories and counts only.
"""

import re
from typing import Any

from plugstack.apis.inference.models import ChatMessage
from plugstack.apis.safety.levels import ViolationLevel
from plugstack.apis.safety.models import SafetyViolation, Shield
from plugstack.errors import BadRequestError
from plugstack_safety.config import RegexShieldConfig
from plugstack_safety.detectors import DETECTORS

LEVELS: dict[ViolationLevel, int] = {"info": 0, "warn": 1, "error": 2}


class RegexShield:
    def __init__(self, config: RegexShieldConfig) -> None:
        self.config = config
        self._patterns = [(rule, re.compile(rule.pattern, re.IGNORECASE)) for rule in config.patterns]

    def categories(self, shield: Shield) -> list[str]:
        every = [*self.config.detectors, *(rule.category for rule in self.config.patterns)]
        wanted = self._wanted(shield.params or {})
        return list(dict.fromkeys(c for c in every if wanted is None or c in wanted))

    def _wanted(self, params: dict[str, Any]) -> set[str] | None:
        wanted = params.get("categories")
        if wanted is None:
            return None
        known = {*self.config.detectors, *(rule.category for rule in self.config.patterns)}
        unknown = sorted(set(wanted) - known)
        if unknown:
            raise BadRequestError(
                f"params.categories: {', '.join(unknown)} not defined by this regex provider "
                f"(it has: {', '.join(sorted(known))})"
            )
        return set(wanted)

    async def check(
        self, shield: Shield, messages: list[ChatMessage], params: dict[str, Any]
    ) -> SafetyViolation | None:
        wanted = self._wanted(params)
        text = "\n".join(message.text() for message in messages)
        hits: list[tuple[str, int, ViolationLevel, str | None]] = []  # category, count, level, message
        for name in self.config.detectors:
            if wanted is None or name in wanted:
                hits.append((name, DETECTORS[name](text), self.config.detector_level, None))
        for rule, pattern in self._patterns:
            if wanted is None or rule.category in wanted:
                hits.append((rule.category, len(pattern.findall(text)), rule.violation_level, rule.user_message))
        hits = [hit for hit in hits if hit[1]]
        if not hits:
            return None
        level = max((hit[2] for hit in hits), key=LEVELS.__getitem__)
        messages_at_level = [hit[3] for hit in hits if hit[2] == level and hit[3]]
        counts: dict[str, int] = {}
        for category, count, _, _ in hits:
            counts[category] = counts.get(category, 0) + count
        return SafetyViolation(
            violation_level=level,
            user_message=messages_at_level[0] if messages_at_level else self.config.user_message,
            metadata={"violation_type": ",".join(counts), "categories": list(counts), "matches": counts},
        )
