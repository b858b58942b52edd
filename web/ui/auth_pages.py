"""Sign in and out."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for

from ..context import engine, login_throttle
from ..session import end_session, safe_next, session_token, signed_in_actor, start_session
from .blueprint import ui


@ui.get("/login")
def login():
    if signed_in_actor() is not None:
        return redirect(safe_next(request.args.get("next"), url_for("ui.inbox")))
    return render_template("login.html", next=request.args.get("next", ""), error=None, username="")


@ui.post("/login")
def login_submit():
    throttle = login_throttle()
    username = (request.form.get("username") or "").strip()
    password = request.form.get("password") or ""
    address = request.remote_addr or "unknown"
    target = safe_next(request.form.get("next"), url_for("ui.inbox"))
    wait = throttle.retry_after(username, address)
    if wait:
        minutes = max(1, round(wait / 60))
        return render_template("login.html", next=target, username=username,
                               error=f"Too many failed sign-ins. Try again in {minutes} minute"
                                     f"{'s' if minutes != 1 else ''}."), 429, {"Retry-After": str(wait)}
    token = engine().identity.login(username, password) if username and password else None
    if token is None:
        throttle.failed(username, address)
        return render_template("login.html", next=target, username=username,
                               error="Unknown username or wrong password."), 401
    throttle.succeeded(username)
    start_session(token)
    return redirect(target)


@ui.post("/logout")
def logout():
    token = session_token()
    if token:
        engine().identity.logout(token)
    end_session()
    return redirect(url_for("ui.login"))
