"""Case pages: the list, one case (stage, diagram, timeline, plan, consents, referrals,
timers, open tasks) and the client's printable copy of the plan."""
from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, request, url_for

from engine.errors import Conflict, Forbidden, InvalidData, NotFound
from engine.services.duplicates import PossibleDuplicate
from engine.vocabulary import STAGES

from .. import client_language
from ..context import engine
from ..form_render import FormRenderer
from ..template_helpers import label
from ..session import current_actor, login_required
from .blueprint import ui


@ui.get("/cases")
@login_required
def case_list():
    who = current_actor()
    q = request.args.get("q") or None
    stage = request.args.get("stage") or None
    mine = request.args.get("mine") == "1"
    cases = engine().cases.list_cases(who, stage=stage, q=q, assigned_to="me" if mine else None, limit=200)
    return render_template("cases.html", cases=cases, stages=STAGES, q=q or "", stage=stage, mine=mine)


def render_case(case_id: int, adding: str | None = None, data: dict | None = None, errors=(), status: int = 200,
                problem: str | None = None):
    """The case page; `adding` names the record entry whose form is open (with what was typed
    and the server's errors beside its fields, after a refused submission)."""
    who = current_actor()
    case = engine().pages.case_page(who, case_id)
    now = engine().clock.now()
    entry_forms = [{**f, "form": FormRenderer(f["schema"], f["ui_schema"], data if f["kind"] == adding else None,
                                              errors if f["kind"] == adding else ())}
                   for f in engine().record.entry_forms(who)]
    return render_template("case.html", case=case, now=now, today=now.date(), entry_forms=entry_forms,
                           adding=adding, problem=problem), status


@ui.get("/cases/<int:case_id>")
@login_required
def case_page(case_id):
    try:
        return render_case(case_id)
    except NotFound:
        # Intake screens a referral and the case moves on out of their view: say so, not "not found".
        moved = engine().pages.handed_on(current_actor(), case_id)
        if moved is None:
            raise
        flash(f"Case #{case_id} has moved on to {label(moved['stage']).lower()} and is no longer in your view"
              + (f"; {moved['with']} has it." if moved["with"] else
                 f"; the team {moved['team']} case managers take it from here." if moved["team"] else "."))
        return redirect(url_for("ui.inbox"))


@ui.get("/cases/<int:case_id>/access")
@login_required
def case_access(case_id):
    reads = engine().record.access_log(current_actor(), case_id)
    return render_template("case_access.html", case_id=case_id, reads=reads)


@ui.get("/cases/<int:case_id>/diagram.bpmn")
@login_required
def case_diagram(case_id):
    return Response(engine().pages.case_diagram(current_actor(), case_id), mimetype="application/xml")


@ui.get("/cases/<int:case_id>/export")
@login_required
def export_record(case_id):
    """The case page's export form: the file, or the refusal (no release in force) on the case page."""
    fmt = request.args.get("format", "pdf")
    try:
        result = engine().exports.export(current_actor(), case_id, fmt, request.args.get("recipient"))
    except Forbidden as refused:
        flash(refused.message, "error")
        return redirect(url_for("ui.case_page", case_id=case_id))
    if fmt == "pdf":
        body, mimetype, extension = result, "application/pdf", "pdf"
    else:
        body = json.dumps(result, ensure_ascii=False, indent=1)
        mimetype, extension = ("application/fhir+json", "fhir.json") if fmt == "fhir" else ("application/json", "json")
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="case-{case_id}-record.{extension}"'
    return response


@ui.get("/cases/<int:case_id>/plan")
@login_required
def client_plan(case_id):
    """The client's copy, in the client's preferred language where a translation exists
    (`?lang=` switches; NASW Std 4, cultural and linguistic competence)."""
    copy = engine().pages.client_plan(current_actor(), case_id)
    language = client_language.choose(request.args.get("lang"), copy["case"]["client"]["preferred_language"])
    return render_template("plan_print.html", copy=copy, t=client_language.Messages(language["code"]),
                           language=language, languages=client_language.languages())


# What staff can tell a case from its page (the messages processes/case_lifecycle.bpmn waits for;
# docs/diagram-vocabulary.md lists their payloads). The API takes any message a diagram declares.
CHANGE_KINDS = ("hospital_admission", "hospital_discharge", "move", "loss_of_caregiver", "new_risk")
REQUESTERS = ("client", "case_manager", "family", "provider")


def _message_payload(name: str, form) -> dict:
    note = (form.get("note") or "").strip()
    if name == "significant_change":
        kind = form.get("kind") or ""
        if kind not in CHANGE_KINDS:
            raise InvalidData("say what changed", [{"field": "kind", "message": "choose the kind of change"}])
        return {"kind": kind, "note": note}
    if name == "plan_change_requested":
        requested_by = form.get("requested_by") or "client"
        if requested_by not in REQUESTERS:
            raise InvalidData("say who asked", [{"field": "requested_by", "message": "choose who asked"}])
        return {"requested_by": requested_by, "note": note}
    if name == "client_withdrew":
        if not note:
            raise InvalidData("record the client's reason", [{"field": "note", "message": "the reason is required"}])
        return {"reason": note}
    raise InvalidData("choose what to tell the case", [{"field": "message", "message": "unknown message"}])


@ui.post("/cases/<int:case_id>/messages")
@login_required
def tell_case(case_id):
    """The case page's *Tell the case* form: a significant change, a plan change request or the
    client's withdrawal, delivered as the BPMN message the diagram waits for."""
    name = request.form.get("message") or ""
    try:
        engine().messages.deliver(current_actor(), case_id, name, _message_payload(name, request.form))
    except (Conflict, InvalidData) as refused:
        flash(refused.message, "error")
    else:
        flash({"significant_change": "Significant change recorded: a reassessment is open.",
               "plan_change_requested": "Plan change requested: a plan revision is open.",
               "client_withdrew": "Withdrawal recorded: services have stopped; record the reason."}[name])
    return redirect(url_for("ui.case_page", case_id=case_id))


CLIENT_FIELDS = ("first_name", "last_name", "birth_date", "preferred_language")


@ui.get("/cases/new")
@login_required
def new_case():
    return render_template("case_new.html", client={}, program="", errors={}, problem=None,
                           programs=engine().programs.programs(), duplicates=[])


@ui.post("/cases/new")
@login_required
def new_case_submit():
    client = {k: (request.form.get(k) or "").strip() for k in CLIENT_FIELDS}
    client = {k: v for k, v in client.items() if v}
    program = (request.form.get("program") or "").strip() or None
    programs = engine().programs.programs()
    confirmed = request.form.get("confirm_new_client") == "yes"
    try:
        if len(programs) > 1 and program not in [p["name"] for p in programs]:
            raise InvalidData("choose the program the referral is for",
                              [{"field": "program", "message": "choose one of the programs"}])
        case = engine().cases.open_case(current_actor(), client, program, confirm_new_client=confirmed)
    except InvalidData as invalid:
        errors = {d["field"].removeprefix("client/"): d["message"] for d in invalid.details}
        return render_template("case_new.html", client=client, program=program or "", errors=errors,
                               problem=invalid.message, programs=programs, duplicates=[]), 422
    except PossibleDuplicate as duplicate:
        # Nothing opened yet: the same form again, the possible match named, and a way on either way.
        return render_template("case_new.html", client=client, program=program or "", errors={},
                               problem=None, programs=programs, duplicates=duplicate.details), 409
    flash(f"Referral recorded: case #{case['id']} for {case['client']['first_name']} {case['client']['last_name']}. "
          f"Screening is next.")
    return redirect(url_for("ui.case_page", case_id=case["id"]))
