"""The caseload guard (NASW Standard 11: "maintain reasonable caseloads").

A case manager's caseload is weighted by acuity (the dashboard's weights). When taking
on one more case would carry a case manager past the agency's limit, a supervisor's
assignment is refused until they give a reason, and the override is audited with it.
A case manager who takes a case on themselves is never stopped mid-work; the case is
audited as over the limit and the dashboard shows the supervisor who is over.
"""
from __future__ import annotations

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from ..errors import Conflict
from ..store.models import Case
from ..views.dashboard import acuity_weights
from ..vocabulary import CLOSED_STAGES, OVERSIGHT_STAGES

DEFAULT_CASELOAD_LIMIT = 30.0  # weighted points: e.g. 10 high-acuity cases, or 30 low


class OverCaseload(Conflict):
    """Assigning would carry a case manager past the caseload limit; give a reason to go ahead."""
    code = "over_caseload"


def weighted_caseload(session: Session, user_id: int) -> float:
    """The user's open cases, each counted by its acuity's weight."""
    weights = acuity_weights()
    rows = session.execute(
        select(Case.acuity, func.count()).where(and_(
            Case.case_manager_id == user_id, Case.status.in_(("active", "error")),
            Case.stage.not_in(CLOSED_STAGES + OVERSIGHT_STAGES)))  # a review or supervision is no caseload
        .group_by(Case.acuity)).all()
    return sum(count * weights.get(acuity, weights[None]) for acuity, count in rows)


class CaseloadGuard:
    def __init__(self, limit: float | None = DEFAULT_CASELOAD_LIMIT):
        self.limit = limit

    def after_taking(self, session: Session, user_id: int, case: Case) -> float:
        """The user's weighted caseload once they own `case` too."""
        weights = acuity_weights()
        return weighted_caseload(session, user_id) + weights.get(case.acuity, weights[None])

    def check(self, session: Session, username: str, user_id: int, case: Case, reason: str | None) -> dict | None:
        """None if within the limit; the override to audit if over it with a reason; else OverCaseload."""
        if self.limit is None:
            return None
        load = self.after_taking(session, user_id, case)
        if load <= self.limit:
            return None
        if not (reason or "").strip():
            raise OverCaseload(
                f"{username}'s caseload would be {load:g} weighted points, over the limit of {self.limit:g}; "
                "give a reason to assign anyway, or choose someone else",
                [{"field": "reason", "message": "a reason is needed to go past the caseload limit"}])
        return {"username": username, "caseload": load, "limit": self.limit, "reason": reason.strip()}
