"""Sign in and out."""
from __future__ import annotations

from flask import current_app, redirect, render_template, request, session, url_for

from ..app import case_engine
from . import ui
from .session import csrf_ok, signed_in_actor


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site (no scheme, no //host): an open redirect would aid phishing."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


@ui.get("/login")
def login():
    if signed_in_actor() is not None:
        return redirect(safe_next(request.args.get("next"), url_for("ui.inbox")))
    return render_template("login.html", next=request.args.get("next", ""), error=None, username="")


@ui.post("/login")
def login_submit():
    throttle = current_app.extensions["casepath.login_throttle"]
    username = (request.form.get("username") or "").strip()
    password = request.form.get("password") or ""
    address = request.remote_addr or "unknown"
    target = safe_next(request.form.get("next"), url_for("ui.inbox"))
    if not csrf_ok():
        return render_template("login.html", next=target, username=username,
                               error="The sign-in form expired. Please try again."), 400
    wait = throttle.retry_after(username, address)
    if wait:
        minutes = max(1, round(wait / 60))
        return render_template("login.html", next=target, username=username,
                               error=f"Too many failed sign-ins. Try again in {minutes} minute"
                                     f"{'s' if minutes != 1 else ''}."), 429, {"Retry-After": str(wait)}
    token = case_engine().identity.login(username, password) if username and password else None
    if token is None:
        throttle.failed(username, address)
        return render_template("login.html", next=target, username=username,
                               error="Unknown username or wrong password."), 401
    throttle.succeeded(username)
    session.clear()  # a fresh session (and CSRF token) at sign-in: no session fixation
    session["token"] = token
    session.permanent = False
    return redirect(target)


@ui.post("/logout")
def logout():
    token = session.get("token")
    if token:
        case_engine().identity.logout(token)
    session.clear()
    return redirect(url_for("ui.login"))
