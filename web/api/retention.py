"""Retention (NASW Std 10): records due for disposal, legal holds, disposal on a supervisor's approval."""
from flask import jsonify, request

from ..context import engine
from .blueprint import api
from .support import actor, json_body


@api.get("/retention/due")
def records_due():
    return jsonify(engine().retention.due(actor()))


@api.post("/cases/<int:case_id>/legal-hold")
def place_hold(case_id: int):
    body = json_body()
    return jsonify(engine().retention.place_hold(actor(), case_id, body.get("reason"))), 201


# A path of its own, not DELETE on the hold's path: werkzeug answers 405 rather than 404 for an id
# past the bounded range when another method's route shares the path (web/converters.py).
@api.post("/cases/<int:case_id>/legal-hold/lift")
def lift_holds(case_id: int):
    body = json_body() if request.get_data() else {}  # a reason is optional, and so is the body
    return jsonify(engine().retention.lift_holds(actor(), case_id, body.get("reason")))


@api.post("/cases/<int:case_id>/disposal-request")
def request_disposal(case_id: int):
    body = json_body() if request.get_data() else {}  # the reason is optional, and so is the body
    return jsonify(engine().retention.request_disposal(actor(), case_id, body.get("reason"))), 201


@api.post("/cases/<int:case_id>/disposal")
def dispose(case_id: int):
    return jsonify(engine().retention.dispose(actor(), case_id))
