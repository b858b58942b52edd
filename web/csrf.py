"""CSRF protection, the one implementation: a random token per session, checked on every change.

Pages send it as the form field `csrf_token`; the browser's own scripts calling the
JSON API with the sign-in cookie send it as the X-CSRF-Token header.
"""
from __future__ import annotations

import hmac
import secrets

from flask import abort, request, session

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SESSION_KEY = "csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
EXPIRED = "the form expired or came from another site; reload the page and try again"


def csrf_token() -> str:
    """This session's token, made on first use (templates call it for every form)."""
    if SESSION_KEY not in session:
        session[SESSION_KEY] = secrets.token_urlsafe(32)
    return session[SESSION_KEY]


def csrf_ok() -> bool:
    """A read, or a change that carries this session's token."""
    if request.method in SAFE_METHODS:
        return True
    sent = request.form.get(FIELD) or request.headers.get(HEADER) or ""
    expected = session.get(SESSION_KEY) or ""
    # Bytes: compare_digest refuses non-ASCII str, and a forged token may be anything.
    return bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())


def require_csrf() -> None:
    """For a blueprint's before_request: refuse (400) a change without the token."""
    if not csrf_ok():
        abort(400, EXPIRED)
