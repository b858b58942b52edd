"""Failed sign-ins per username and per address, to slow password guessing down."""
from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class LoginThrottle:
    """Failed sign-ins per username and per address within a window (OWASP: slow guessing down
    without letting anyone lock a colleague out for long). In memory: one serving process."""

    def __init__(self, per_user: int = 5, per_address: int = 30, window_seconds: float = 15 * 60):
        self.per_user, self.per_address, self.window = per_user, per_address, window_seconds
        self._failures: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque:
        failures = self._failures[key]
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def retry_after(self, username: str, address: str) -> int:
        """Seconds until this username/address may try again (0: now)."""
        now = time.monotonic()
        with self._lock:
            waits = []
            for key, limit in ((f"user:{username.lower()}", self.per_user), (f"addr:{address}", self.per_address)):
                failures = self._recent(key, now)
                if len(failures) >= limit:
                    waits.append(int(failures[0] + self.window - now) + 1)
            return max(waits, default=0)

    def failed(self, username: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._failures[f"user:{username.lower()}"].append(now)
            self._failures[f"addr:{address}"].append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(f"user:{username.lower()}", None)
