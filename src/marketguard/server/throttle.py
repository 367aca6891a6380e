"""Sign-in throttling: after :data:`MAX_FAILURES` wrong passwords for one name within :data:`WINDOW_S`, that
name is locked for :data:`LOCK_S`, so a password cannot be guessed at the server's speed.

Per name, not per address: guessing one investigator's password from many addresses is the attack that matters,
and an office behind one address must not lock everyone out. The failures are kept in the case store, so every
worker process counts the same ones and a restart forgets nothing. The lock answers 429 even to the right
password, so it tells a guesser nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select

from marketguard.cases import CaseStore
from marketguard.cases.schema import SignInFailure

__all__ = ["LOCK_S", "MAX_FAILURES", "WINDOW_S", "SignInThrottle"]

#: Wrong passwords tolerated for one name within the window: enough for typos, far too few for guessing.
MAX_FAILURES = 5
#: The window the failures are counted in, and how long a name stays locked after the last of them.
WINDOW_S, LOCK_S = 300.0, 300.0


class SignInThrottle:
    """The failures of the case store ``store``; ``clock``: the time now (UTC)."""

    def __init__(self, store: CaseStore, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._store = store
        self._clock = clock

    def wait(self, name: str) -> float:
        """Seconds until ``name`` may try again (0: now)."""
        now = self._clock()
        with self._store.session(write=False) as s:
            recent = s.scalars(
                select(SignInFailure.failed_at)
                .where(
                    SignInFailure.name == name, SignInFailure.failed_at > now - timedelta(seconds=WINDOW_S)
                )
                .order_by(SignInFailure.failed_at.desc())
                .limit(MAX_FAILURES)
            ).all()
        if len(recent) < MAX_FAILURES:
            return 0.0
        last = recent[0] if recent[0].tzinfo else recent[0].replace(tzinfo=UTC)  # SQLite keeps no zone
        return max(0.0, (last - now).total_seconds() + LOCK_S)

    def failed(self, name: str) -> None:
        """Count a wrong password for ``name`` (and forget every failure older than the window)."""
        now = self._clock()
        with self._store.session() as s:
            s.execute(
                delete(SignInFailure).where(SignInFailure.failed_at <= now - timedelta(seconds=WINDOW_S))
            )
            s.add(SignInFailure(name=name, failed_at=now))

    def succeeded(self, name: str) -> None:
        """The right password: ``name``'s failures are forgotten."""
        with self._store.session() as s:
            s.execute(delete(SignInFailure).where(SignInFailure.name == name))
