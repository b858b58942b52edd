from flask import jsonify, request

from engine.errors import InvalidData

from ..context import engine, login_throttle
from ..errors import Unauthorized, error_response
from ..session import end_session, session_token
from .blueprint import api
from .support import actor, json_body


@api.post("/auth/token")
def issue_token():
    body = json_body()
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise InvalidData("username and password are required",
                          [{"field": f, "message": "this field is required"} for f in ("username", "password")
                           if not isinstance(body.get(f), str)])
    # One throttle for the browser's sign-in form and the API: a name locked on one is locked on both.
    throttle, address = login_throttle(), request.remote_addr or "unknown"
    wait = throttle.retry_after(username, address)
    if wait:
        response = error_response(429, "too_many_sign_ins",
                                  f"too many failed sign-ins; try again in {wait} seconds")
        response.headers["Retry-After"] = str(wait)
        return response
    token = engine().identity.login(username, password)
    if token is None:
        throttle.failed(username, address)
        raise Unauthorized("unknown username or wrong password")
    throttle.succeeded(username)
    return jsonify({"token": token})


@api.post("/auth/logout")
def revoke_own_token():
    """Revoke the token this request was made with (the browser session's, for the UI's scripts)."""
    actor()
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        engine().identity.logout(token.strip())
    else:
        cookie_token = session_token()
        if cookie_token:
            engine().identity.logout(cookie_token)
        end_session()
    return "", 204


@api.get("/users/<username>/tokens")
def user_tokens(username: str):
    return jsonify(engine().identity.tokens(actor(), username))


@api.delete("/users/<username>/tokens")
def revoke_user_tokens(username: str):
    return jsonify({"revoked": engine().identity.revoke_tokens(actor(), username)})


@api.get("/me")
def me():
    who = actor()
    return jsonify({"username": who.username, "roles": list(who.roles), "team": who.team})
