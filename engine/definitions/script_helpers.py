"""Date helpers that diagram scripts, conditions and timer expressions may call.

They read the engine's injected clock (never the wall clock directly), so a
test or demo that moves the clock 90 days ahead moves every script with it.
Results are ISO-8601 strings: they serialize with the workflow and read the
same in the audit trail and the API.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone

import isodate

from ..clock import active_now
from .goal_progress import progress_per_goal


def _instant(value) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=timezone.utc)
    text = str(value).strip()
    if len(text) == 10:  # a calendar date: midnight UTC at its start
        return datetime.combine(date.fromisoformat(text), time(), tzinfo=timezone.utc)
    return _instant(isodate.parse_datetime(text))


def now() -> str:
    """The current instant, ISO-8601."""
    return active_now().isoformat()


def today() -> str:
    """Today's date (UTC), ISO-8601."""
    return active_now().date().isoformat()


def add_duration(start, duration: str) -> str:
    """`start` (an ISO date or instant) plus an ISO-8601 duration such as 'P30D' or '-P14D'."""
    return (_instant(start) + isodate.parse_duration(duration)).isoformat()


def years_between(earlier, later) -> int:
    """Whole years from `earlier` to `later` (an age)."""
    a, b = _instant(earlier).date(), _instant(later).date()
    return b.year - a.year - ((b.month, b.day) < (a.month, a.day))


def renewal_due(releases, lead: str) -> str | None:
    """When to ask for renewal of releases of information: `lead` before the first
    one still in force expires (now, if that is already past). None when there is
    nothing to renew. AAA: a release is valid only until its expiry date."""
    current = active_now()
    expiries = [_instant(r["expires_on"]) for r in (releases or [])
                if r.get("expires_on") and not r.get("let_lapse") and _instant(r["expires_on"]) > current]
    if not expiries:
        return None
    return max(current, min(expiries) - isodate.parse_duration(lead)).isoformat()


SCRIPT_HELPERS = {"now": now, "today": today, "add_duration": add_duration, "years_between": years_between,
                  "renewal_due": renewal_due, "progress_per_goal": progress_per_goal}
