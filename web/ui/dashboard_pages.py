"""The supervisor's dashboard: acuity-weighted caseloads (NASW Std 11), overdue work,
reassessments due soon and cases waiting for approval."""
from __future__ import annotations

from flask import render_template, request

from ..app import case_engine
from . import ui
from .session import current_actor, login_required


@ui.get("/dashboard")
@login_required
def dashboard():
    engine = case_engine()
    board = engine.dashboard.dashboard(current_actor(), request.args.get("team") or None)
    most = max([w["weighted"] for w in board["workers"]] + [1])
    return render_template("dashboard.html", board=board, most=most, now=engine.clock.now())
