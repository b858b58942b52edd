"""The reports page (supervisors): outcome and process measures as tables and a chart, each
count linking to the cases behind it, with the same figures as CSV (NASW Std 9 evaluation)."""
from __future__ import annotations

from flask import Response, render_template, request

from engine.views.measure_math import csv_text

from ..context import engine
from ..session import current_actor, login_required
from .blueprint import ui

# The page's words for each measure and its parts, in the order shown.
LABELS = {
    "cases_opened": "Cases opened", "cases_closed": "Cases closed (served; not ineligible referrals)",
    "time_to_screening": "Referral → screening", "time_to_assessment": "Referral → assessment",
    "time_to_approved_plan": "Referral → approved plan", "contacts": "Contacts due in the period",
    "reassessments": "Reassessments due in the period", "goals_at_closure": "Goals at closure",
    "satisfaction": "Satisfaction at closure", "reentry": "Re-entry after closure",
    "quality_review": "Quality review (AAA): items checked and met, findings open and closed",
}


def _query() -> dict:
    args = request.args
    return {"program": args.get("program") or None, "team": args.get("team") or None,
            "worker": args.get("worker") or None, "from_": args.get("from") or None, "to": args.get("to") or None}


@ui.get("/reports")
@login_required
def reports():
    report = engine().measures.measures(current_actor(), **_query())
    durations = [(LABELS[name], report["measures"][name]) for name in
                 ("time_to_screening", "time_to_assessment", "time_to_approved_plan")]
    longest = max([(f["p90_days"]["value"] or 0) for _, f in durations] + [1])
    return render_template("reports.html", report=report, labels=LABELS, durations=durations, longest=longest,
                           query=request.args, programs=engine().programs.programs())


@ui.get("/reports/measures.csv")
@login_required
def reports_csv():
    report = engine().measures.measures(current_actor(), **_query())
    return Response(csv_text(report), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="measures.csv"'})
