"""Built-in PII detectors: a pattern finds candidates, a checksum keeps only the real ones.

A bare digit pattern flags order numbers and timestamps; the Luhn check (cards) and the
ISO 13616 mod-97 check (IBANs) are what make the detectors usable on ordinary traffic.
"""

import re
from collections.abc import Callable

EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
CARD = re.compile(r"\b\d(?:[ -]?\d){12,18}\b")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b")
SECRET_KEYS = re.compile(
    r"\bsk-[A-Za-z0-9_-]{20,}"  # OpenAI-style API keys
    r"|\bAKIA[0-9A-Z]{16}\b"  # AWS access key ids
    r"|\bgh[pousr]_[A-Za-z0-9]{36,}\b"  # GitHub tokens
    r"|\bxox[abprs]-[A-Za-z0-9-]{10,}"  # Slack tokens
    r"|-----BEGIN (?:RSA |EC |DSA |OPENSSH )?PRIVATE KEY-----"
)


def luhn_valid(number: str) -> bool:
    digits = [int(d) for d in number if d.isdigit()]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return len(digits) >= 13 and total % 10 == 0


def iban_valid(candidate: str) -> bool:
    compact = candidate.replace(" ", "")
    rearranged = compact[4:] + compact[:4]
    numeric = "".join(str(int(char, 36)) for char in rearranged)
    return 15 <= len(compact) <= 34 and int(numeric) % 97 == 1


def _matches(pattern: re.Pattern[str], valid: Callable[[str], bool] | None = None) -> Callable[[str], int]:
    def count(text: str) -> int:
        return sum(1 for match in pattern.finditer(text) if valid is None or valid(match.group(0)))

    return count


DETECTORS: dict[str, Callable[[str], int]] = {
    "email": _matches(EMAIL),
    "credit_card": _matches(CARD, luhn_valid),
    "iban": _matches(IBAN, iban_valid),
    "secret_key": _matches(SECRET_KEYS),
}
