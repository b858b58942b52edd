"""Browser sign-in: a signed session cookie holding an API token, CSRF tokens, login throttling.

The session carries the same kind of token the JSON API issues (so signing out revokes it
and an expired token signs the browser out too); the cookie is HttpOnly and SameSite=Lax,
and every state-changing request must carry the session's CSRF token.
"""
from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from functools import wraps

from flask import abort, g, redirect, request, session, url_for

from engine.policy import Actor

from ..app import case_engine

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_ok() -> bool:
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    expected = session.get("csrf") or ""
    return bool(expected) and hmac.compare_digest(sent, expected)


def signed_in_actor() -> Actor | None:
    """The person signed in to this browser session, or None."""
    if "ui_actor" not in g:
        token = session.get("token")
        g.ui_actor = case_engine().identity.actor_for_token(token) if token else None
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


class LoginThrottle:
    """Failed sign-ins per username and per address within a window (OWASP: slow guessing down
    without letting anyone lock a colleague out for long). In memory: one serving process."""

    def __init__(self, per_user: int = 5, per_address: int = 30, window_seconds: float = 15 * 60):
        self.per_user, self.per_address, self.window = per_user, per_address, window_seconds
        self._failures: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque:
        failures = self._failures[key]
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def retry_after(self, username: str, address: str) -> int:
        """Seconds until this username/address may try again (0: now)."""
        now = time.monotonic()
        with self._lock:
            waits = []
            for key, limit in ((f"user:{username.lower()}", self.per_user), (f"addr:{address}", self.per_address)):
                failures = self._recent(key, now)
                if len(failures) >= limit:
                    waits.append(int(failures[0] + self.window - now) + 1)
            return max(waits, default=0)

    def failed(self, username: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._failures[f"user:{username.lower()}"].append(now)
            self._failures[f"addr:{address}"].append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(f"user:{username.lower()}", None)
