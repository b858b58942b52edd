"""Browser sign-in: a signed session cookie holding an API token, and the signed-in person.

The session carries the same kind of token the JSON API issues (so signing out revokes it
and an expired token signs the browser out too); the cookie is HttpOnly and SameSite=Lax.
Shared by the UI and the designer.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from functools import wraps

from flask import abort, g, redirect, request, session, url_for

from engine.policy import Actor

from .context import engine

TOKEN_KEY = "token"


def session_token() -> str | None:
    return session.get(TOKEN_KEY)


def start_session(token: str) -> None:
    session.clear()  # a fresh session (and CSRF token) at sign-in: no session fixation
    session[TOKEN_KEY] = token
    session.permanent = False


def end_session() -> None:
    session.clear()


def signed_in_actor() -> Actor | None:
    """The person signed in to this browser session, or None."""
    if "ui_actor" not in g:
        token = session_token()
        g.ui_actor = engine().identity.actor_for_token(token) if token else None
        if token and g.ui_actor is None:
            session.clear()  # expired or revoked: sign the browser out
    return g.ui_actor


def current_actor() -> Actor:
    who = signed_in_actor()
    if who is None:
        abort(401)
    return who


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if signed_in_actor() is None:
            return redirect(url_for("ui.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return wrapper


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site: an open redirect would aid phishing. No scheme or host, no
    `//` or backslash, and no control characters or spaces at all (browsers drop a tab or a
    newline, so `/\t/evil.example` would become `//evil.example`)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(c) < 0x21 or ord(c) == 0x7f for c in target.split("?", 1)[0]) or \
            any(ord(c) < 0x20 or ord(c) == 0x7f for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
