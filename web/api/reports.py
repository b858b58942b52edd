"""Outcome and process measures (NASW Std 9 evaluation), as JSON or CSV."""
from flask import Response, jsonify, request

from engine.errors import BadRequest
from engine.views.measure_math import csv_text

from ..context import engine
from .blueprint import api
from .support import actor


def measures_from_query(who) -> dict:
    args = request.args
    for name in ("program", "team", "worker", "from", "to"):
        if len(args.get(name) or "") > 200:
            raise BadRequest(f"{name} is at most 200 characters")
    return engine().measures.measures(who, program=args.get("program") or None, team=args.get("team") or None,
                                      worker=args.get("worker") or None, from_=args.get("from") or None,
                                      to=args.get("to") or None)


@api.get("/reports/measures")
def measures():
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "csv"):
        raise BadRequest("format must be json or csv")
    report = measures_from_query(actor())
    if fmt == "csv":
        return Response(csv_text(report), mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="measures.csv"'})
    return jsonify(report)
