"""`inline::code-scanner`: CodeShield's insecure-code rules over the messages' text, offline.

CodeShield's own ``scan_code`` logs and swallows any analyzer failure and reports the code as
secure; a shield must not fail open silently, so this calls its per-language analyzer directly
and lets a failure reach the shield's ``on_failure`` policy. A scan at start-up on code every
rule set flags proves the rules really run here.
"""

import asyncio
from typing import Any

from codeshield.insecure_code_detector import insecure_code_detector, languages
from codeshield.insecure_code_detector.issues import Issue, Severity
from codeshield.insecure_code_detector.usecases import UseCase

from plugstack.apis.inference.models import ChatMessage
from plugstack.apis.safety.models import SafetyViolation, Shield
from plugstack_code_scanner.config import CodeScannerConfig

KNOWN_INSECURE = "import hashlib\npassword_hash = hashlib.md5(password.encode()).hexdigest()\n"


async def scan(code: str) -> list[Issue]:
    """Every issue any supported language's rules find in ``code``."""
    found = await asyncio.gather(
        *(
            insecure_code_detector.analyze(language, code, usecase=UseCase.CODESHIELD)
            for language in languages.get_supported_languages()
        )
    )
    return [issue for issues in found for issue in issues or []]


class CodeScanner:
    def __init__(self, config: CodeScannerConfig) -> None:
        self.config = config

    async def self_test(self) -> None:
        if not await scan(KNOWN_INSECURE):
            raise RuntimeError("CodeShield's rules did not flag hashlib.md5 for a password: the scanner is not working")

    def categories(self, shield: Shield) -> list[str]:
        return ["insecure_code"]

    async def check(
        self, shield: Shield, messages: list[ChatMessage], params: dict[str, Any]
    ) -> SafetyViolation | None:
        code = "\n".join(message.text() for message in messages)
        issues = await scan(code)
        if not issues:
            return None
        blocking = any(issue.severity == Severity.ERROR for issue in issues)
        pattern_ids = list(dict.fromkeys(issue.pattern_id or issue.cwe_id for issue in issues))
        return SafetyViolation(
            violation_level="error" if blocking else "warn",
            user_message=self.config.user_message,
            metadata={
                "violation_type": ",".join(pattern_ids),
                "categories": ["insecure_code"],
                "issues": [
                    {
                        "pattern_id": i.pattern_id,
                        "cwe_id": i.cwe_id,
                        "severity": str(i.severity.value),
                        "line": i.line,
                        "description": i.description,
                    }
                    for i in issues
                ],
            },
        )
