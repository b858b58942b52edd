"""The engine's injected clock.

Everything that reads "now" goes through a Clock, so tests and demos can move a
case 90 days ahead. SpiffWorkflow's timer event definitions call
`datetime.now(timezone.utc)` directly; `install_spiff_clock` routes those calls
to the clock active in the current context, so Spiff's timer maths and ours
always agree.
"""
from __future__ import annotations

import contextlib
import contextvars
from datetime import datetime, timedelta, timezone

import isodate


class Clock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FixedClock(Clock):
    """A clock that reads a set instant until moved (tests, CASEPATH_NOW)."""

    def __init__(self, at: datetime):
        self._at = _aware(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = _aware(at)

    def advance(self, delta: timedelta | str) -> datetime:
        if isinstance(delta, str):
            delta = isodate.parse_duration(delta)
        self._at = self._at + delta
        return self._at


def _aware(at: datetime) -> datetime:
    return at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)


def parse_instant(text: str) -> datetime:
    """Parse an ISO-8601 instant; naive values are taken as UTC. The standard library reads the
    common forms (every timer's due time, on every step) many times faster; isodate reads the
    rest and says what is wrong with a bad one."""
    if "T" in text:
        try:
            return _aware(datetime.fromisoformat(text))
        except ValueError:
            pass
    return _aware(isodate.parse_datetime(text))


def clock_from_environment(env: str, now_override: str | None) -> Clock:
    """CASEPATH_NOW fixes the clock for demos and tests, never in production."""
    if now_override:
        if env == "production":
            raise RuntimeError("CASEPATH_NOW is refused when CASEPATH_ENV=production")
        try:
            return FixedClock(parse_instant(now_override))
        except (ValueError, isodate.ISO8601Error) as exc:
            raise RuntimeError(f"CASEPATH_NOW={now_override!r} is not an ISO-8601 instant") from exc
    return Clock()


_active: contextvars.ContextVar[Clock] = contextvars.ContextVar("casepath_clock", default=Clock())


@contextlib.contextmanager
def using_clock(clock: Clock):
    token = _active.set(clock)
    try:
        yield clock
    finally:
        _active.reset(token)


def active_now() -> datetime:
    return _active.get().now()


class ClockedDatetime(datetime):
    """datetime whose now() reads the engine's active clock."""

    @classmethod
    def now(cls, tz=None):
        value = active_now()
        return value.astimezone(tz) if tz is not None else value.replace(tzinfo=None)


def add_iso_duration(start: datetime, duration: str) -> datetime:
    return start + isodate.parse_duration(duration)


def due_from(start: datetime, due_in: str | None) -> datetime | None:
    """When something opened at `start` with an ISO-8601 `due_in` (P3D) falls due."""
    return add_iso_duration(start, due_in) if due_in else None
