from flask import Response, jsonify, request

from engine.errors import BadRequest
from engine.vocabulary import STAGES

from ..context import engine
from .blueprint import api
from .support import actor, int_arg, json_body


@api.post("/cases")
def open_case():
    body = json_body()
    if "client" not in body:
        from engine.errors import InvalidData

        raise InvalidData("client is required", [{"field": "client", "message": "this field is required"}])
    for name in ("program", "process"):
        if body.get(name) is not None and not isinstance(body[name], str):
            raise BadRequest(f"{name} must be a string")
    if not isinstance(body.get("confirm_new_client", False), bool):
        raise BadRequest("confirm_new_client must be true or false")
    # 409 possible_duplicate unless the caller confirms: see engine/services/duplicates.py
    case = engine().cases.open_case(actor(), body["client"], program=body.get("program"),
                                    model_id=body.get("process"), variables=body.get("variables"),
                                    confirm_new_client=body.get("confirm_new_client", False))
    return jsonify(case), 201


@api.post("/cases/<int:case_id>/messages")
def deliver_message(case_id: int):
    body = json_body()
    return jsonify(engine().messages.deliver(actor(), case_id, body.get("name"), body.get("payload")))


@api.post("/cases/<int:case_id>/retry")
def retry_case(case_id: int):
    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    return jsonify(engine().incidents.retry(actor(), case_id, body.get("variables")))


@api.get("/incidents")
def list_incidents():
    return jsonify(engine().incidents.incidents(actor()))


@api.get("/programs")
def list_programs():
    actor()
    return jsonify(engine().programs.programs())


@api.post("/programs")
def add_program():
    body = json_body()
    return jsonify(engine().programs.add(actor(), body.get("name"), body.get("process"), body.get("teams"))), 201


@api.get("/cases")
def list_cases():
    stage = request.args.get("stage")
    if stage and stage not in STAGES:
        raise BadRequest(f"stage must be one of {', '.join(STAGES)}")
    return jsonify(engine().cases.list_cases(actor(), stage=stage, assigned_to=request.args.get("assigned_to"),
                                       program=request.args.get("program"),
                                       q=request.args.get("q"), limit=int_arg("limit", 100, 1, 500),
                                       offset=int_arg("offset", 0)))


@api.get("/cases/<int:case_id>")
def get_case(case_id: int):
    return jsonify(engine().cases.get_case(actor(), case_id))


@api.get("/cases/<int:case_id>/timeline")
def case_timeline(case_id: int):
    return jsonify(engine().record.timeline(actor(), case_id))


@api.get("/cases/<int:case_id>/access")
def case_access(case_id: int):
    return jsonify(engine().record.access_log(actor(), case_id))


@api.get("/cases/<int:case_id>/audit")
def case_audit(case_id: int):
    return jsonify(engine().record.audit(actor(), case_id))


@api.post("/cases/<int:case_id>/record")
def add_record_entry(case_id: int):
    body = json_body()
    if not isinstance(body.get("kind"), str):
        raise BadRequest("kind is required: the kind of record entry")
    return jsonify(engine().record.add_record_entry(actor(), case_id, body["kind"], body.get("data"))), 201


@api.post("/cases/<int:case_id>/record/<int:entry_id>/corrections")
def correct_record_entry(case_id: int, entry_id: int):
    body = json_body()
    return jsonify(engine().record.correct_record_entry(actor(), case_id, entry_id, body.get("data"),
                                                 body.get("reason"))), 201


@api.get("/cases/<int:case_id>/export")
def export_record(case_id: int):
    """The client's complete record; to a recipient only under a release in force naming them."""
    fmt = request.args.get("format", "json")
    result = engine().exports.export(actor(), case_id, fmt, request.args.get("recipient"))
    if fmt == "pdf":
        response = Response(result, mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'attachment; filename="case-{case_id}-record.pdf"'
        return response
    response = jsonify(result)
    if fmt == "fhir":
        response.mimetype = "application/fhir+json"
    return response
