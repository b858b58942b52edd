"""The supervisor's dashboard: acuity-weighted caseloads (NASW Std 11), overdue work,
reassessments due soon and cases waiting for approval."""
from __future__ import annotations

from flask import render_template, request

from ..context import engine
from ..session import current_actor, login_required
from .blueprint import ui


@ui.get("/dashboard")
@login_required
def dashboard():
    board = engine().dashboard.dashboard(current_actor(), request.args.get("team") or None)
    most = max([w["weighted"] for w in board["workers"]] + [1])
    return render_template("dashboard.html", board=board, most=most, now=engine().clock.now())
