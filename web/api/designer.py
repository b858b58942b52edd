"""The designer's JSON API (administrators only): files and drafts of a process model,
checks on save, deploy from drafts, version history, migration and simulation; forms."""
from __future__ import annotations

from flask import jsonify, request
from werkzeug.datastructures import MultiDict

from engine.errors import BadRequest, Forbidden, InvalidData, NotFound

from ..context import engine
from ..form_render import parse_form
from ..roles import is_admin
from .blueprint import api
from .support import actor, json_body


def admin():
    who = actor()
    if not is_admin(who):
        raise Forbidden("only administrators may use the process designer")
    return who


@api.get("/process-models/<model_id>/versions")
def model_versions(model_id: str):
    return jsonify(engine().designer.version_history(admin(), model_id))


@api.get("/process-models/<model_id>/versions/<int:version>")
def model_version(model_id: str, version: int):
    """One deployed version's files exactly as stored (what cases on it run)."""
    found = engine().designer.model_files(admin(), model_id, version)
    return jsonify({"id": model_id, "version": found["version"],
                    "files": {f["filename"]: f["content"] for f in found["files"]}})


@api.get("/process-models/<model_id>/files")
def model_files(model_id: str):
    version = request.args.get("version")
    if version is not None and not version.isdigit():
        raise BadRequest("version must be a whole number")
    return jsonify(engine().designer.model_files(admin(), model_id, int(version) if version else None,
                                        with_drafts=request.args.get("drafts") == "1"))


@api.put("/process-models/<model_id>/drafts/<filename>")
def save_model_draft(model_id: str, filename: str):
    who = admin()
    content = request.get_data(cache=False)
    if not content:
        raise BadRequest("send the BPMN or DMN file as the request body (Content-Type: application/xml)")
    # The designer says what it opened, so a stale save is refused (409) instead of overwriting.
    based_on = request.headers.get("X-Based-On-Version")
    if based_on is not None and not based_on.isdigit():
        raise BadRequest("X-Based-On-Version must be a version number")
    return jsonify(engine().designer.save_process_draft(who, model_id, filename, content,
                                                        int(based_on) if based_on else None,
                                                        request.headers.get("X-Draft-Stamp")))


@api.delete("/process-models/<model_id>/drafts")
def discard_model_drafts(model_id: str):
    return jsonify({"discarded": engine().designer.discard_process_drafts(admin(), model_id)})


@api.post("/process-models/<model_id>/deploy")
def deploy_model_drafts(model_id: str):
    result = engine().designer.deploy_process_drafts(admin(), model_id)
    return jsonify(result), 201 if result["created"] else 200


@api.post("/process-models/<model_id>/migrate")
def migrate_model_cases(model_id: str):
    who = admin()
    body = json_body()
    to_version = body.get("to_version")
    case_ids = body.get("case_ids")
    from_version = body.get("from_version")
    problems = []
    if not isinstance(to_version, int):
        problems.append({"field": "to_version", "message": "the version to move cases to (a number)"})
    if case_ids is not None and not (isinstance(case_ids, list) and all(isinstance(c, int) for c in case_ids)):
        problems.append({"field": "case_ids", "message": "a list of case numbers"})
    if from_version is not None and not isinstance(from_version, int):
        problems.append({"field": "from_version", "message": "a version number"})
    if problems:
        raise InvalidData("the migration request is not valid", problems)
    return jsonify(engine().designer.migrate_cases(who, model_id, to_version, case_ids or None, from_version))


@api.post("/process-models/<model_id>/simulate")
def simulate_model(model_id: str):
    """Actions: {"complete": bpmn_id, "data": {...}} or, from the designer's forms,
    {"complete": bpmn_id, "form": name, "fields": {field: value or [values]}}; {"advance": "P30D"}."""
    who = admin()
    body = json_body()
    actions = body.get("actions", [])
    if not isinstance(actions, list):
        raise InvalidData("actions must be a list", [{"field": "actions", "message": "expected a list"}])
    catalog = engine().forms
    converted = []
    for action in actions:
        if isinstance(action, dict) and "fields" in action:
            form = action.get("form")
            if form not in catalog:
                raise InvalidData(f"unknown form {form!r}", [{"field": "form", "message": "not in forms/"}])
            fields = MultiDict()
            for key, value in (action.get("fields") or {}).items():
                for item in value if isinstance(value, list) else [value]:
                    fields.add(key, item)
            action = {"complete": action.get("complete"), "data": parse_form(catalog.get(form).schema, fields)}
        converted.append(action)
    version = body.get("version")
    return jsonify(engine().simulation.simulate(who, model_id, converted, use_drafts=version is None,
                                     version=version if isinstance(version, int) else None))


@api.get("/forms")
def list_forms():
    admin()
    catalog = engine().forms
    return jsonify([{"name": name, "title": catalog.get(name).title} for name in catalog.names()])


@api.get("/forms/<name>")
def get_form(name: str):
    admin()
    catalog = engine().forms
    if name not in catalog:
        raise NotFound(f"form {name!r} not found")
    form = catalog.get(name)
    return jsonify({"name": name, "title": form.title, "schema": form.schema, "ui_schema": form.ui_schema})
