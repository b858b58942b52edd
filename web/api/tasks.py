from flask import jsonify, request

from engine.errors import BadRequest, InvalidData

from ..context import engine
from .blueprint import api
from .support import actor, int_arg, json_body


@api.get("/tasks")
def list_tasks():
    return jsonify(engine().tasks.list_tasks(actor(), scope=request.args.get("scope", "all"),
                                       limit=int_arg("limit", 200, 1, 1000), offset=int_arg("offset", 0)))


@api.get("/tasks/<task_id>")
def get_task(task_id: str):
    return jsonify(engine().tasks.get_task(actor(), task_id))


@api.post("/tasks/<task_id>/claim")
def claim_task(task_id: str):
    return jsonify(engine().tasks.claim(actor(), task_id))


@api.post("/tasks/<task_id>/unclaim")
def unclaim_task(task_id: str):
    return jsonify(engine().tasks.unclaim(actor(), task_id))


@api.post("/tasks/<task_id>/assign")
def assign_task(task_id: str):
    body = json_body()
    username = body.get("username")
    if not isinstance(username, str) or not username:
        raise InvalidData("username is required", [{"field": "username", "message": "this field is required"}])
    return jsonify(engine().tasks.assign(actor(), task_id, username, body.get("reason")))


@api.post("/tasks/<task_id>/complete")
def complete_task(task_id: str):
    body = json_body()
    data = body.get("data", {})
    if not isinstance(data, dict):
        raise InvalidData("data must be an object", [{"field": "data", "message": "expected an object"}])
    version = body.get("version")
    if version is not None and not isinstance(version, int):
        raise BadRequest("version must be a whole number (the case version you loaded)")
    return jsonify(engine().tasks.complete(actor(), task_id, data, expected_version=version))


def _username() -> str:
    username = json_body().get("username")
    if not isinstance(username, str) or not username:
        raise InvalidData("username is required", [{"field": "username", "message": "this field is required"}])
    return username


@api.get("/inbox")
def inbox():
    """The browser inbox's data: one tab, filtered and sorted, with every tab's count."""
    from engine.services.inbox import InboxQuery

    query = InboxQuery(tab=request.args.get("tab", ""), stage=request.args.get("stage") or None,
                       task=request.args.get("task") or None, client=request.args.get("client") or None,
                       due=request.args.get("due") or None, sort=request.args.get("sort") or "due",
                       offset=int_arg("offset", 0), limit=int_arg("limit", 50, 1, 500))
    page = engine().inbox.inbox(actor(), query)
    tasks = [{**t, "due_at": t["due_at"].isoformat() if t["due_at"] else None,
              "created_at": t["created_at"].isoformat(),
              "follow_up_on": t["follow_up_on"].isoformat() if t["follow_up_on"] else None} for t in page.tasks]
    return jsonify({"tab": page.tab, "tabs": page.tabs, "counts": page.counts, "total": page.total, "tasks": tasks})


@api.post("/tasks/<task_id>/delegate")
def delegate_task(task_id: str):
    return jsonify(engine().tasks.delegate(actor(), task_id, _username()))


@api.post("/tasks/<task_id>/take-back")
def take_back_task(task_id: str):
    return jsonify(engine().tasks.take_back(actor(), task_id))


@api.post("/tasks/<task_id>/follow-up")
def follow_up_task(task_id: str):
    from datetime import date

    raw = json_body().get("on")
    try:
        on = date.fromisoformat(raw) if raw else None
    except (TypeError, ValueError):
        raise InvalidData("on must be a date like 2026-03-01", [{"field": "on", "message": "use YYYY-MM-DD"}]) from None
    return jsonify(engine().tasks.set_follow_up(actor(), task_id, on))


@api.put("/tasks/<task_id>/draft")
def save_task_draft(task_id: str):
    data = json_body().get("data", {})
    saved_at = engine().tasks.save_draft(actor(), task_id, data)
    return jsonify({"task_id": task_id, "saved_at": saved_at.isoformat()})
