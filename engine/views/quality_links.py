"""What the case page says about quality reviews: the reviews a case was drawn for (each a link
to its review case, whether it is done and how many findings are still open), and on a review
case, the case it reviews. AAA quality-assurance review; NASW Std 9 (evaluation)."""
from __future__ import annotations

from sqlalchemy import func, select

from .. import policy
from ..policy import Actor
from ..store.models import HumanTask, QualityReview


def review_links(session, actor: Actor, case_id: int) -> dict:
    rows = list(session.scalars(select(QualityReview).where(
        (QualityReview.reviewed_case_id == case_id) | (QualityReview.review_case_id == case_id))
        .order_by(QualityReview.month.desc(), QualityReview.id.desc())))
    reviews = [r for r in rows if r.reviewed_case_id == case_id]
    open_findings = _open_findings(session, [r.review_case_id for r in reviews])
    of = next((r for r in rows if r.review_case_id == case_id), None)
    return {
        "quality_reviews": [{"month": r.month, "review_case_id": r.review_case_id,
                             "done": r.review_case.status == "completed",
                             "findings_open": open_findings.get(r.review_case_id, 0),
                             "can_open": policy.can_see_case(actor, r.review_case)} for r in reviews],
        "quality_review_of": None if of is None else {
            "month": of.month, "case_id": of.reviewed_case_id,
            "can_open": policy.can_see_case(actor, of.reviewed_case)},
    }


def _open_findings(session, review_case_ids: list[int]) -> dict[int, int]:
    if not review_case_ids:
        return {}
    return dict(session.execute(
        select(HumanTask.case_id, func.count()).where(
            HumanTask.case_id.in_(review_case_ids), HumanTask.purpose == "finding", HumanTask.state == "open")
        .group_by(HumanTask.case_id)).all())
