"""Timers a diagram may hold: valid ISO-8601, and never shorter than the configured minimum.

A zero or near-zero duration or cycle (R/PT0S) fires on every scheduler pass: a case
that loops on it fills its history and keeps the worker busy, so deploy refuses it.
Timers computed by an expression are checked for safety only; their value is known
when the case reaches them.
"""
from __future__ import annotations

import ast
import re
from datetime import datetime, timedelta, timezone

import isodate
from lxml import etree

from .elements import NS, element_of, label_of
from .loader import problem
from .scripting import check_source, is_bare_iso

DEFAULT_TIMER_MINIMUM = "PT1M"
EXPECTED = "timers are ISO-8601 durations, dates or cycles"
# Months and years have no fixed length; measure them from a fixed day (the shortest answer
# within a day or two is all a minimum needs).
_REFERENCE = datetime(2001, 2, 1, tzinfo=timezone.utc)


def parse_minimum(text: str) -> timedelta:
    """The minimum as a timedelta; ValueError when it is not a positive ISO-8601 duration."""
    try:
        length = _length(isodate.parse_duration(text.strip()))
    except (isodate.ISO8601Error, ValueError):
        raise ValueError(f"{text!r} is not an ISO-8601 duration such as PT1M") from None
    if length <= timedelta(0):
        raise ValueError(f"{text!r} is not longer than zero")
    return length


def _length(duration) -> timedelta:
    return (_REFERENCE + duration) - _REFERENCE


def is_duration(text: str) -> bool:
    try:
        isodate.parse_duration(text.strip())
        return True
    except (isodate.ISO8601Error, ValueError):
        return False


def _is_datetime(text: str) -> bool:
    try:
        isodate.parse_datetime(text.strip())
        return True
    except (isodate.ISO8601Error, ValueError):
        try:
            isodate.parse_date(text.strip())
            return True
        except (isodate.ISO8601Error, ValueError):
            return False


def _cycle_duration(text: str) -> str | None:
    """The duration of a valid repeating cycle (R/P7D, R4/2027-01-01T09:00:00Z/P1M), else None."""
    parts = text.strip().split("/")
    if not parts[0].startswith("R") or not (parts[0][1:] == "" or parts[0][1:].isdigit()) or len(parts) not in (2, 3):
        return None
    rest = parts[1:]
    durations = [p for p in rest if p.startswith("P")]
    if len(durations) == 1 and is_duration(durations[0]) and all(_is_datetime(p) for p in rest if not p.startswith("P")):
        return durations[0]
    return None


# kind -> (is it valid, an example, the duration to hold to the minimum)
_KINDS = {
    "timeDuration": (is_duration, "a duration such as P90D (90 days), P2W or PT12H", lambda text: text),
    "timeDate": (_is_datetime, "a date and time such as 2027-01-31T09:00:00Z", lambda text: None),
    "timeCycle": (lambda text: _cycle_duration(text) is not None,
                  "a repeating cycle such as R/P7D (every 7 days) or R4/2027-01-01T09:00:00Z/P1M", _cycle_duration),
}

_ISO_ATTEMPT = re.compile(r"^(P\d|PT\d|R\d*/|\d{4}-)")


def _literal(expression: str) -> str | None:
    """The ISO text a timer expression stands for, if it is a constant.

    Bare text that starts like ISO-8601 (P1X, R/P1Q) is taken as a mistyped
    constant, not as the name of a variable."""
    text = expression.strip()
    if is_bare_iso(text) or _ISO_ATTEMPT.match(text):
        return text
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None


def check_timers(root, filename: str, minimum: str = DEFAULT_TIMER_MINIMUM) -> list[dict]:
    """One problem per timer event that is missing, unsafe, not ISO-8601 or too short."""
    shortest = parse_minimum(minimum)
    problems = []
    for definition in root.iterfind(".//bpmn:timerEventDefinition", NS):
        event = element_of(definition)  # the event, not the definition's own id
        where = f"timer {label_of(event)}"
        children = [c for c in definition if isinstance(c.tag, str) and etree.QName(c).localname in _KINDS]
        if not children:
            problems.append(problem(event.get("id"), f"{where} has no time; give it a duration (P90D), a date, "
                                                     f"or a repeating cycle (R/P7D): {EXPECTED}", filename))
            continue
        for child in children:
            valid, example, duration_of = _KINDS[etree.QName(child).localname]
            text = (child.text or "").strip()
            literal = _literal(text)
            if literal is None:
                reasons = check_source(text, "eval") if text else ["it is empty"]
                if reasons:
                    problems.append(problem(event.get("id"), f"{where} '{text}': {'; '.join(reasons)}", filename))
                continue  # an expression: its value is known when the case reaches the timer
            if not valid(literal):
                problems.append(problem(event.get("id"), f"{where} '{literal}' is not valid ISO-8601; write "
                                                         f"{example} ({EXPECTED})", filename))
                continue
            duration = duration_of(literal)
            if duration is not None and _length(isodate.parse_duration(duration)) < shortest:
                problems.append(problem(event.get("id"), f"{where} '{literal}' is shorter than the minimum: timers "
                                                         f"must be at least {minimum.strip()}", filename))
    return problems
