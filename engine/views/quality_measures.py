"""The quality review's figures for the reports (AAA quality-assurance review; NASW Std 9:
evaluate the case management): reviews done in the period, checklist items checked (answered
yes or no; "does not apply" is not checked), the share met, and the findings (items not met, each
a task of the case manager's: `purpose` finding) still open or closed. Each count names the
reviewed cases behind it, so a figure leads to the records it is about."""
from __future__ import annotations

from sqlalchemy import select

from ..store.models import HumanTask, QualityReview, RecordEntry
from .measure_math import figure, rate


def quality_figures(session, review_case_ids: list[int], review_kinds: list[str], start, end) -> dict:
    """Figures of the reviews among `review_case_ids` completed in [start, end)."""
    reviewed_of = dict(session.execute(select(QualityReview.review_case_id, QualityReview.reviewed_case_id)
                                       .where(QualityReview.review_case_id.in_(review_case_ids))).all()) \
        if review_case_ids else {}
    answers = _latest_answers(session, list(reviewed_of), review_kinds, start, end)
    checked, met = [], []
    for review_id, data in answers.items():
        for item in ((data or {}).get("checklist") or {}).values():
            answer = item.get("answer") if isinstance(item, dict) else None
            if answer in ("yes", "no"):
                checked.append(reviewed_of[review_id])
                if answer == "yes":
                    met.append(reviewed_of[review_id])
    findings = list(session.execute(select(HumanTask.case_id, HumanTask.state).where(
        HumanTask.case_id.in_(list(answers)), HumanTask.purpose == "finding"))) if answers else []
    still_open = [reviewed_of[c] for c, state in findings if state == "open"]
    closed = [reviewed_of[c] for c, state in findings if state == "completed"]
    return {"reviews": figure(len(answers), {reviewed_of[r] for r in answers}),
            "items_checked": figure(len(checked), set(checked)), "items_met": figure(len(met), set(met)),
            "share_met": figure(rate(len(met), len(checked))),
            "findings_open": figure(len(still_open), set(still_open)),
            "findings_closed": figure(len(closed), set(closed))}


def _latest_answers(session, review_case_ids, kinds, start, end) -> dict[int, dict]:
    """Each review case's latest uncorrected checklist signed in the period."""
    if not review_case_ids or not kinds:
        return {}
    rows = list(session.execute(select(RecordEntry.id, RecordEntry.case_id, RecordEntry.data, RecordEntry.corrects_id,
                                       RecordEntry.recorded_at)
                                .where(RecordEntry.kind.in_(kinds), RecordEntry.case_id.in_(review_case_ids))
                                .order_by(RecordEntry.recorded_at, RecordEntry.id)))
    corrected = {r.corrects_id for r in rows if r.corrects_id}
    return {r.case_id: r.data or {} for r in rows if r.id not in corrected and start <= r.recorded_at < end}
