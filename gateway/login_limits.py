"""Failed logins, counted per account and per address: past the limit, a 429 until the oldest
failure in the window ages out. Kept in the gateway process (the one process that answers
logins); a restart forgets them, which only ever lets a guesser start again from zero."""

from __future__ import annotations

import threading
import time
from collections import deque

MAX_FAILURES = 5
WINDOW_S = 15 * 60


class LoginLimits:
    def __init__(self, max_failures: int = MAX_FAILURES, window_s: float = WINDOW_S, clock=None):
        self.max_failures, self.window_s = max_failures, window_s
        self.clock = clock or time.monotonic
        self._failures: dict[str, deque] = {}
        self._lock = threading.Lock()

    def retry_after(self, *keys: str) -> int:
        """Seconds until any of these keys may try again; 0 when all may now."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            for key in keys:
                failures = self._recent(key, now)
                if len(failures) >= self.max_failures:
                    wait = max(wait, failures[0] + self.window_s - now)
        return int(wait) + 1 if wait > 0 else 0

    def failed(self, *keys: str) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)
            if len(self._failures) > 10_000:  # bounded: drop keys with nothing recent
                for key in [k for k, v in self._failures.items() if not v]:
                    del self._failures[key]

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)

    def _recent(self, key: str, now: float) -> deque:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        return failures
