"""The browser UI: sign-in, inbox, task forms, case pages, the supervisor dashboard.

Server-rendered pages (Jinja) with a little script for repeating form rows and the
diagram viewer; every page works with the keyboard and a screen reader. The UI calls
the engine's API only, never SpiffWorkflow or the database.
"""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from werkzeug.exceptions import HTTPException

from engine.errors import EngineError, NotFound

from .session import csrf_ok, csrf_token, signed_in_actor

ui = Blueprint("ui", __name__, template_folder="../templates")

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


@ui.before_request
def _check_csrf():
    if request.method in UNSAFE and request.endpoint != "ui.login" and not csrf_ok():
        abort(400, "the form expired or came from another site; reload the page and try again")


@ui.app_context_processor
def _page_context():
    from engine.policy import has_role
    who = signed_in_actor() if request.blueprint in ("ui", "designer") else None
    return {
        "me": who,
        "csrf_token": csrf_token,
        "is_supervisor": bool(who and (has_role(who, "supervisor") or has_role(who, "admin"))),
        "is_admin": bool(who and has_role(who, "admin")),
    }


def ui_error(status: int, title: str, message: str):
    return render_template("error.html", status=status, title=title, message=message), status


@ui.errorhandler(NotFound)
def _not_found(exc):
    # A case or task the user may not see answers "not found", exactly as a missing one.
    return ui_error(404, "Not found", "There is nothing here, or you do not have access to it.")


@ui.errorhandler(EngineError)
def _engine_error(exc: EngineError):
    from web.errors import STATUS
    status = next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)
    details = "; ".join(d.get("message", "") for d in exc.details if d.get("message"))
    return ui_error(status, {403: "Not allowed", 409: "Someone got there first"}.get(status, "That did not work"),
                    exc.message + (f": {details}" if details else ""))


@ui.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return ui_error(exc.code or 500, exc.name, exc.description or exc.name)


from . import auth_pages, case_pages, dashboard_pages, inbox_pages, task_pages  # noqa: E402,F401


@ui.app_template_filter("label")
def _label(value) -> str:
    return str(value or "").replace("_", " ").capitalize()


@ui.app_template_filter("when")
def _when(value) -> str:
    from datetime import datetime
    if value in (None, ""):
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return value.strftime("%-d %b %Y, %H:%M") if hasattr(value, "hour") else value.strftime("%-d %b %Y")


@ui.app_template_filter("day")
def _day(value) -> str:
    from datetime import date, datetime
    if value in (None, ""):
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return value
    return value.strftime("%-d %b %Y")
