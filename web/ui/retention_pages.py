"""The Retention page (supervisors and administrators; NASW Std 10: records kept and disposed of
by policy): closed records past their program's period, each with its legal hold and its
disposal request. A case manager or an administrator requests a disposal, a supervisor who is
not the requester approves it after a confirmation step; legal holds are placed and lifted here
with a reason. The engine enforces every rule (engine/services/retention.py); this page only asks."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from engine import policy
from engine.errors import EngineError

from ..context import engine
from ..session import current_actor, login_required
from .blueprint import ui


def _due() -> list[dict]:
    return engine().retention.due(current_actor())


def _refused(error: EngineError):
    flash(error.message, "error")
    return redirect(url_for("ui.retention"))


@ui.get("/retention")
@login_required
def retention():
    who = current_actor()
    return render_template("retention.html", due=_due(), may_request=policy.may_request_disposal(who),
                           may_approve=policy.may_approve_disposal(who), me_name=who.username)


@ui.post("/retention/<int:case_id>/request")
@login_required
def retention_request(case_id: int):
    try:
        engine().retention.request_disposal(current_actor(), case_id, request.form.get("reason"))
    except EngineError as refused:
        return _refused(refused)
    flash(f"The disposal of case #{case_id}'s record is requested; a supervisor approves it.")
    return redirect(url_for("ui.retention"))


@ui.get("/retention/<int:case_id>/dispose")
@login_required
def retention_confirm(case_id: int):
    """The confirmation before a disposal: what goes, what stays, who asked."""
    row = next((d for d in _due() if d["case_id"] == case_id), None)
    if row is None:
        abort(404)
    return render_template("retention_confirm.html", row=row)


@ui.post("/retention/<int:case_id>/dispose")
@login_required
def retention_dispose(case_id: int):
    if request.form.get("confirm") != "yes":
        flash("Tick the confirmation to dispose of the record.", "error")
        return redirect(url_for("ui.retention_confirm", case_id=case_id))
    try:
        tombstone = engine().retention.dispose(current_actor(), case_id)
    except EngineError as refused:
        return _refused(refused)
    flash(f"Case #{case_id}'s record was disposed of ({tombstone['entries_disposed']} entries, "
          f"{tombstone['events_disposed']} audit events); its tombstone stays.")
    return redirect(url_for("ui.retention"))


@ui.post("/retention/<int:case_id>/hold")
@login_required
def retention_hold(case_id: int):
    try:
        engine().retention.place_hold(current_actor(), case_id, request.form.get("reason"))
    except EngineError as refused:
        return _refused(refused)
    flash(f"A legal hold now keeps case #{case_id}'s record.")
    return redirect(url_for("ui.retention"))


@ui.post("/retention/<int:case_id>/lift")
@login_required
def retention_lift(case_id: int):
    reason = (request.form.get("reason") or "").strip()
    if not reason:
        flash("Say why the legal hold is lifted.", "error")
        return redirect(url_for("ui.retention"))
    try:
        engine().retention.lift_holds(current_actor(), case_id, reason)
    except EngineError as refused:
        return _refused(refused)
    flash(f"The legal hold on case #{case_id} is lifted.")
    return redirect(url_for("ui.retention"))
