from flask import jsonify

from engine.errors import InvalidData

from ..context import engine
from ..errors import Unauthorized
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
    token = engine().identity.login(username, password)
    if token is None:
        raise Unauthorized("unknown username or wrong password")
    return jsonify({"token": token})


@api.get("/me")
def me():
    who = actor()
    return jsonify({"username": who.username, "roles": list(who.roles), "team": who.team})
