"""Timely documentation: when a contact happened, apart from when its note was signed.

NASW Standards for Social Work Case Management (2013), Std 10: the record holds "dates,
times, and descriptions of contact"; a note written long after the contact is weaker
evidence. A form convention any agency form may use: `occurred_at`, the date and time the
contact took place (ISO 8601; one without an offset is read as UTC, the engine's clock).
A note is due within the agency's deadline of working days (Monday to Friday) after the
contact; signed later than that, it is late. An `occurred_at` in the future is refused.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

OCCURRED = "occurred_at"
DEFAULT_NOTE_DEADLINE_DAYS = 3  # CASEPATH_NOTE_DEADLINE_DAYS


def parse_instant(value) -> datetime | None:
    """An ISO-8601 date and time as an aware UTC instant (None when it is not one)."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and "T" in value:
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def occurred_problems(data: dict, now: datetime) -> list[dict]:
    """A contact's time must be a date and time, and not one still to come."""
    if OCCURRED not in data:
        return []
    occurred = parse_instant(data[OCCURRED])
    if occurred is None:
        return [{"field": OCCURRED, "message": "give the date and time the contact took place"}]
    if occurred > now:
        return [{"field": OCCURRED, "message": "the contact cannot have taken place in the future"}]
    return []


def due_by(occurred_on: date, working_days: int) -> date:
    """The last day a note may be signed: `working_days` Mondays-to-Fridays after the contact
    (a contact on a Friday with three days is due by Wednesday; on a Saturday, by Wednesday too)."""
    day, left = occurred_on, working_days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Mondays to Fridays after `start` up to and including `end` (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += day.weekday() < 5
    return count


def judge(occurred_at, signed_at, working_days: int) -> dict | None:
    """When the contact happened, when its note was due and whether it was signed late
    (None when the entry names no time of contact)."""
    occurred, signed = parse_instant(occurred_at), parse_instant(signed_at)
    if occurred is None or signed is None:
        return None
    deadline = due_by(occurred.date(), working_days)
    late_by = working_days_between(deadline, signed.date())
    return {"occurred_at": occurred.isoformat(), "note_due_by": deadline.isoformat(),
            "late": signed.date() > deadline, "working_days_late": late_by}


def annotate(entries: list[dict], working_days: int) -> list[dict]:
    """Entry views with `timeliness` where they name when the contact happened. A correction
    is judged by when the note was first signed (a late note stays late; correcting the time
    of contact can show it was not)."""
    by_id = {e["id"]: e for e in entries}
    for entry in entries:
        occurred = (entry.get("data") or {}).get(OCCURRED)
        if occurred is None:
            continue
        first = entry
        while first.get("corrects") in by_id:
            first = by_id[first["corrects"]]
        entry["timeliness"] = judge(occurred, first.get("signed_at"), working_days)
    return entries


def timed_kinds(forms) -> list[str]:
    """Record entry kinds whose form asks when the contact happened: task forms (entries are named
    for them) and direct entries (engine/definitions/record_kinds.py)."""
    from .record_kinds import ENTRY_KINDS

    def asks(form_name: str) -> bool:
        return form_name in forms and OCCURRED in forms.get(form_name).schema.get("properties", {})
    return sorted({name for name in forms.names() if asks(name)}
                  | {kind for kind, k in ENTRY_KINDS.items() if asks(k.form)})
