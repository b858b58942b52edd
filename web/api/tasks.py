from flask import jsonify, request

from engine.errors import BadRequest, InvalidData

from . import api
from .support import actor, engine, int_arg, json_body


@api.get("/tasks")
def list_tasks():
    return jsonify(engine().list_tasks(actor(), scope=request.args.get("scope", "all"),
                                       limit=int_arg("limit", 200, 1, 1000), offset=int_arg("offset", 0)))


@api.get("/tasks/<task_id>")
def get_task(task_id: str):
    return jsonify(engine().get_task(actor(), task_id))


@api.post("/tasks/<task_id>/claim")
def claim_task(task_id: str):
    return jsonify(engine().claim(actor(), task_id))


@api.post("/tasks/<task_id>/unclaim")
def unclaim_task(task_id: str):
    return jsonify(engine().unclaim(actor(), task_id))


@api.post("/tasks/<task_id>/assign")
def assign_task(task_id: str):
    body = json_body()
    username = body.get("username")
    if not isinstance(username, str) or not username:
        raise InvalidData("username is required", [{"field": "username", "message": "this field is required"}])
    return jsonify(engine().assign(actor(), task_id, username))


@api.post("/tasks/<task_id>/complete")
def complete_task(task_id: str):
    body = json_body()
    data = body.get("data", {})
    if not isinstance(data, dict):
        raise InvalidData("data must be an object", [{"field": "data", "message": "expected an object"}])
    version = body.get("version")
    if version is not None and not isinstance(version, int):
        raise BadRequest("version must be a whole number (the case version you loaded)")
    return jsonify(engine().complete(actor(), task_id, data, expected_version=version))
