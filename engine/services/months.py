"""The calendar month a monthly piece of oversight belongs to: the quality review's draw and the
supervision sessions are each keyed by it ("2026-05"), so however many workers poll, a month is
done once."""
from __future__ import annotations

import re

from ..clock import Clock
from ..errors import BadRequest

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def this_month(clock: Clock) -> str:
    return clock.now().strftime("%Y-%m")


def month_key(clock: Clock, month: str | None = None) -> str:
    """`month` checked, or this month when none is given."""
    month = month or this_month(clock)
    if not isinstance(month, str) or not _MONTH.match(month):
        raise BadRequest("month must look like 2026-05")
    return month
