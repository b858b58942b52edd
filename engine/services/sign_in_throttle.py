"""Failed sign-ins per name and per address, to slow password guessing down.

OWASP's authentication guidance: slow guessing down without letting anyone lock a colleague out
for long. The failures live in the database (sign_in_failures), not in one process's memory, so
the limits hold however many processes serve (`casepath serve --workers N`) and a restart does not
forgive a guesser. A name is limited on its own (a colleague's name cannot be locked from
everywhere for long: the window is short) and an address on its own (one machine guessing many
names). Two guessers racing may each slip one try past the limit; the limit is a brake, not a count.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select

from ..clock import Clock
from ..store.models import SignInFailure
from ..store.unit_of_work import Store

PER_USER = 5
PER_ADDRESS = 30
WINDOW = timedelta(minutes=15)


def _user_key(username: str) -> str:
    return f"user:{(username or '').lower()[:150]}"


def _keys(username: str, address: str) -> dict[str, int]:
    """Each key counted, with its limit."""
    return {_user_key(username): PER_USER, f"addr:{(address or 'unknown')[:150]}": PER_ADDRESS}


class SignInThrottle:
    def __init__(self, store: Store, clock: Clock, window: timedelta = WINDOW):
        self.store = store
        self.clock = clock
        self.window = window

    def retry_after(self, username: str, address: str) -> int:
        """Seconds until this name/address may try again (0: now)."""
        limits = _keys(username, address)
        now = self.clock.now()
        query = (select(SignInFailure.key, func.count(), func.min(SignInFailure.failed_at))
                 .where(SignInFailure.key.in_(limits), SignInFailure.failed_at > now - self.window)
                 .group_by(SignInFailure.key))
        with self.store.reading() as uow:
            rows = uow.session.execute(query).all()
        waits = []
        for key, count, first in rows:
            if count >= limits[key]:
                # Counted from the oldest failure in the window: once it ages out, one more try.
                waits.append(int((first + self.window - now).total_seconds()) + 1)
        return max(waits, default=0)

    def failed(self, username: str, address: str) -> None:
        now = self.clock.now()
        with self.store.transaction() as uow:
            # Failures older than the window count for nothing: drop them as new ones arrive.
            uow.session.execute(delete(SignInFailure).where(SignInFailure.failed_at <= now - self.window))
            uow.session.add_all([SignInFailure(key=key, failed_at=now) for key in _keys(username, address)])

    def succeeded(self, username: str) -> None:
        """The right password clears the name's failures (the address keeps its own)."""
        with self.store.transaction() as uow:
            uow.session.execute(delete(SignInFailure).where(SignInFailure.key == _user_key(username)))
