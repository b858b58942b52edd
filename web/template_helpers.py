"""What every page template may use: the signed-in person, the CSRF token, roles, and filters."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask, request

from .csrf import csrf_token
from .roles import is_admin, is_supervisor
from .session import signed_in_actor

SIGNED_IN_BLUEPRINTS = ("ui", "designer")  # the API and /healthz never look at the browser session


def page_context() -> dict:
    who = signed_in_actor() if request.blueprint in SIGNED_IN_BLUEPRINTS else None
    return {"me": who, "csrf_token": csrf_token, "is_supervisor": is_supervisor(who), "is_admin": is_admin(who)}


def label(value) -> str:
    return str(value or "").replace("_", " ").capitalize()


def when(value) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return value.strftime("%-d %b %Y, %H:%M") if hasattr(value, "hour") else value.strftime("%-d %b %Y")


def day(value) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return value
    return value.strftime("%-d %b %Y")


def register_template_helpers(app: Flask) -> None:
    app.context_processor(page_context)
    for name, function in (("label", label), ("when", when), ("day", day)):
        app.add_template_filter(function, name)
