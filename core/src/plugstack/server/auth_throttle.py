"""Throttling of failed authentication per client address, so keys cannot be guessed at speed.

After ``max_failures`` failures within ``window_s`` the address gets 429 (with Retry-After) for
every request, valid key or not, until the oldest failure leaves the window: answering a right
guess differently would let the guessing go on.
"""

import time
from collections import deque

from plugstack.config.schema import AuthThrottleConfig


class AuthFailureThrottle:
    def __init__(self, config: AuthThrottleConfig) -> None:
        self._max = config.max_failures
        self._window = config.window_s
        self._failures: dict[str, deque[float]] = {}

    def wait_s(self, address: str) -> float | None:
        """Seconds until ``address`` may try again, or None when it is not throttled."""
        failures = self._failures.get(address)
        if failures is None:
            return None
        now = time.monotonic()
        while failures and now - failures[0] >= self._window:
            failures.popleft()
        if not failures:
            del self._failures[address]  # the table only holds addresses that failed lately
            return None
        return self._window - (now - failures[0]) if len(failures) >= self._max else None

    def failed(self, address: str) -> None:
        self._failures.setdefault(address, deque(maxlen=self._max)).append(time.monotonic())
