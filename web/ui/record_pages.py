"""Writing to the case record from the case page: a contact, a supervision note, a receipt or
disbursement, a record release, and the correction of an entry. The engine makes the same
checks as for the API (roles, the entry's form, who may correct); a refused form comes back
with each message beside its field."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from engine.errors import InvalidData

from ..context import engine
from ..form_render import FormRenderer, parse_form
from ..session import current_actor, login_required
from .blueprint import ui
from .case_pages import render_case


@ui.post("/cases/<int:case_id>/record")
@login_required
def add_record_entry(case_id: int):
    who = current_actor()
    kind = request.form.get("kind", "")
    form = next((f for f in engine().record.entry_forms(who) if f["kind"] == kind), None)
    data = parse_form(form["schema"], request.form) if form else {}
    try:  # an unknown kind, or one this person may not write, is refused by the engine itself
        entry = engine().record.add_record_entry(who, case_id, kind, data)
    except InvalidData as invalid:
        return render_case(case_id, kind, data, invalid.details, 422, invalid.message)
    flash(f"{entry['title']} added to the record.")
    return redirect(url_for("ui.case_page", case_id=case_id) + f"#entry-{entry['id']}")


def _correction(case_id: int, entry_id: int, data: dict | None = None, reason: str = "", errors=(),
                status: int = 200, problem: str | None = None):
    found = engine().record.correction_form(current_actor(), case_id, entry_id)
    form = FormRenderer(found["schema"], found["ui_schema"], found["entry"]["data"] if data is None else data, errors)
    reason_error = next((e["message"] for e in errors if e.get("field") == "reason"), None)
    return render_template("record_correct.html", case_id=case_id, entry=found["entry"], form=form,
                           reason=reason, reason_error=reason_error, problem=problem,
                           schema=found["schema"]), status


@ui.get("/cases/<int:case_id>/record/<int:entry_id>/correct")
@login_required
def correct_record_entry(case_id: int, entry_id: int):
    return _correction(case_id, entry_id)


@ui.post("/cases/<int:case_id>/record/<int:entry_id>/correct")
@login_required
def correct_record_entry_submit(case_id: int, entry_id: int):
    found = engine().record.correction_form(current_actor(), case_id, entry_id)
    data = parse_form(found["schema"], request.form)
    reason = (request.form.get("reason") or "").strip()
    try:
        entry = engine().record.correct_record_entry(current_actor(), case_id, entry_id, data, reason)
    except InvalidData as invalid:
        return _correction(case_id, entry_id, data, reason, invalid.details, 422, invalid.message)
    flash(f"Correction added to the record: “{entry['title']}”. The original stays as it was.")
    return redirect(url_for("ui.case_page", case_id=case_id) + f"#entry-{entry['id']}")
