"""What every page template may use: the signed-in person, the CSRF token, roles, and filters.

Pages speak in words: dates as "14 March 1948", deadlines as "due in 9 days" or
"overdue by 2 days", fields by their form titles, never by keys or ISO strings.
"""
from __future__ import annotations

import re
from datetime import date, datetime

from flask import Flask, request

from .csrf import csrf_token
from .form_scope import scoped
from .roles import is_admin, is_supervisor, may_open_cases
from .session import signed_in_actor

SIGNED_IN_BLUEPRINTS = ("ui", "designer")  # the API and /healthz never look at the browser session
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def page_context() -> dict:
    who = signed_in_actor() if request.blueprint in SIGNED_IN_BLUEPRINTS else None
    return {"me": who, "csrf_token": csrf_token, "is_supervisor": is_supervisor(who), "is_admin": is_admin(who),
            "may_open_cases": may_open_cases(who)}


def label(value) -> str:
    return str(value or "").replace("_", " ").capitalize()


def _parsed(value):
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return None
    return value


def when(value) -> str:
    if value in (None, ""):
        return "—"
    parsed = _parsed(value)
    if parsed is None:
        return value
    return parsed.strftime("%-d %B %Y, %H:%M") if hasattr(parsed, "hour") else parsed.strftime("%-d %B %Y")


def day(value) -> str:
    if value in (None, ""):
        return "—"
    parsed = _parsed(value)
    return value if parsed is None else parsed.strftime("%-d %B %Y")


def _days(count: int) -> str:
    return f"{count} day{'s' if count != 1 else ''}"


def due(value, now: datetime) -> str:
    """A deadline from where the reader stands: "due today", "due in 9 days", "overdue by 2 days"
    (whole calendar days, so a timer due this afternoon is "due today", not "overdue")."""
    moment = _parsed(value)
    if moment is None:
        return "no due date"
    target = moment.date() if isinstance(moment, datetime) else moment
    if isinstance(moment, datetime) and moment < now and target == now.date():
        return "overdue since " + moment.strftime("%H:%M")
    days = (target - now.date()).days
    if days == 0:
        return "due today"
    if days == 1:
        return "due tomorrow"
    return f"due in {_days(days)}" if days > 0 else f"overdue by {_days(-days)}"


def in_words(value) -> str:
    """A stored answer as a reader sees it: ISO dates and instants in words, the rest as it is."""
    if isinstance(value, str) and (ISO_DAY.match(value) or ISO_INSTANT.match(value)):
        return when(value) if "T" in value else day(value)
    return value


def case_name(case: dict) -> str:
    """How a page names a case: its client, or for a supervision session (no client; NASW Std 11)
    the case manager it is about."""
    client = case.get("client")
    if client:
        return f"{client['first_name']} {client['last_name']}"
    session = case.get("supervision")
    worker = session["worker_name"] if session else case.get("case_manager")
    return f"Supervision: {worker}" if worker else "Supervision session"


def register_template_helpers(app: Flask) -> None:
    app.context_processor(page_context)
    for name, function in (("label", label), ("when", when), ("day", day), ("due", due),
                           ("in_words", in_words), ("scoped", scoped), ("case_name", case_name)):
        app.add_template_filter(function, name)
