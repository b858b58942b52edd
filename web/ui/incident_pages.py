"""Incidents for supervisors and administrators: the cases a failing step stopped, and Retry."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from engine.errors import Conflict

from ..context import engine
from ..session import current_actor, login_required
from .blueprint import ui


@ui.get("/incidents")
@login_required
def incidents():
    return render_template("incidents.html", incidents=engine().incidents.incidents(current_actor()))


@ui.post("/cases/<int:case_id>/retry")
@login_required
def retry_case(case_id: int):
    try:
        case = engine().incidents.retry(current_actor(), case_id)
    except Conflict as refused:
        flash(refused.message)
        return redirect(url_for("ui.case_page", case_id=case_id))
    if case["status"] == "error":
        flash(f"The retry failed again at '{case['error']['element_id']}': {case['error']['message']}")
    else:
        flash(f"Case #{case_id} runs again.")
    target = request.form.get("next")
    return redirect(url_for("ui.incidents") if target == "incidents" else url_for("ui.case_page", case_id=case_id))
