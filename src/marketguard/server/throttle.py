"""Sign-in throttling: after :data:`MAX_FAILURES` wrong passwords for one name within :data:`WINDOW_S`, that
name is locked for :data:`LOCK_S`, so a password cannot be guessed at the server's speed.

Per name, not per address: guessing one investigator's password from many addresses is the attack that matters,
and an office behind one address must not lock everyone out. Kept in the process (each worker counts its own:
with N workers a guesser gets N times the tries, still a handful a minute); a restart forgets it. The lock answers
429 even to the right password, so it tells a guesser nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["LOCK_S", "MAX_FAILURES", "WINDOW_S", "SignInThrottle"]

#: Wrong passwords tolerated for one name within the window: enough for typos, far too few for guessing.
MAX_FAILURES = 5
#: The window the failures are counted in, and how long a name stays locked after the last of them.
WINDOW_S, LOCK_S = 300.0, 300.0


class SignInThrottle:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def wait(self, name: str) -> float:
        """Seconds until ``name`` may try again (0: now)."""
        now = self._clock()
        with self._lock:
            recent = [t for t in self._failures.get(name, []) if now - t < WINDOW_S]
            if recent:
                self._failures[name] = recent
            else:
                self._failures.pop(name, None)
            if len(recent) < MAX_FAILURES:
                return 0.0
            return max(0.0, recent[-1] + LOCK_S - now)

    def failed(self, name: str) -> None:
        with self._lock:
            self._failures.setdefault(name, []).append(self._clock())

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(name, None)
