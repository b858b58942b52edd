"""Helpers every API route uses: the caller, the JSON body, query numbers."""
from __future__ import annotations

from flask import g, request

from engine.policy import Actor
from engine.definitions.input_limits import check_clean
from engine.errors import BadRequest

from ..context import engine
from ..csrf import HEADER, csrf_ok
from ..errors import Unauthorized
from ..session import session_token


def actor() -> Actor:
    if "actor" not in g:
        header = request.headers.get("Authorization", "")
        cookie_token = None if header else session_token()
        if cookie_token:
            # The browser UI's own scripts call the API with the sign-in session; a change
            # must carry the session's CSRF token, as the UI's forms do.
            if not csrf_ok():
                raise Unauthorized(f"send the {HEADER} header of your session with changes")
            found = engine().identity.actor_for_token(cookie_token)
            if found is None:
                raise Unauthorized("your session has expired; sign in again")
            g.actor = found
            return g.actor
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("send an API token: Authorization: Bearer <token> (POST /api/auth/token)")
        found = engine().identity.actor_for_token(token.strip())
        if found is None:
            raise Unauthorized("the API token is invalid or has expired; request a new one")
        g.actor = found
    return g.actor


def json_body() -> dict:
    body = request.get_json(silent=True)
    if body is None:
        raise BadRequest("the request body must be a JSON object (Content-Type: application/json)")
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    check_clean(body)
    return body


def int_arg(name: str, default: int, low: int = 0, high: int = 10_000) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"query parameter {name} must be a whole number") from None
    return max(low, min(high, value))
