"""The monthly quality review: draw each worker's sample and open a review for each drawn case.

AAA quality-assurance review (supervisors review a sample of each case manager's records) and
NASW Std 9 (evaluate the case management). The review itself is the `quality_review` process
(processes/quality_review.bpmn: the supervisor's checklist, each item not met back to the case
manager as a task); this module only decides which cases are reviewed and starts one review
case per drawn case, for the same client, team and case manager.

Why the draw is engine code and not a timer in the diagram: a diagram's scripts run in a sandbox
that reads no other case, and casepath's timers belong to one case (a row, fired under that case's
lock), while the draw reads every worker's cases and belongs to none. A standing "sampler" case
would need a client it is not about. So the scheduler asks for the month's draw on every poll
(`draw_if_due`: the first poll of a calendar month draws it), `casepath review draw` does the same
from cron, and the month is the key of `quality_draws`, so however many workers poll, a month is
drawn once.
"""
from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import policy
from ..clock import Clock
from ..errors import BadRequest, Conflict
from ..policy import Actor
from ..store import process_versions
from ..store.models import Case, QualityDraw, QualityReview
from ..store.unit_of_work import Store
from ..vocabulary import OVERSIGHT_STAGES, REVIEW_STAGES
from .quality_sample import DEFAULT_SAMPLE_SIZE, draw_sample
from .months import month_key, this_month
from .runner import CaseRunner

REVIEW_PROCESS = "quality_review"
# The "recently closed": a case closed within the last 30 days is still drawn.
RECENTLY_CLOSED = timedelta(days=30)


class QualityReviewService:
    def __init__(self, store: Store, runner: CaseRunner, clock: Clock, sample_size: int = DEFAULT_SAMPLE_SIZE,
                 seed: str | None = None, process: str = REVIEW_PROCESS):
        self.store = store
        self.runner = runner
        self.clock = clock
        self.sample_size = sample_size
        self.seed = seed  # fixed in tests and demos (CASEPATH_REVIEW_SEED); otherwise a fresh one per month
        self.process = process

    def draw_if_due(self) -> dict | None:
        """The scheduler's monthly timer: draw this month's sample unless it is drawn already."""
        month = this_month(self.clock)
        with self.store.reading() as uow:
            if uow.session.get(QualityDraw, month) is not None:
                return None
            if process_versions.latest(uow.session, self.process, required=False) is None:
                return None  # an agency that has not deployed the review has no review to draw
        try:
            return self.draw(policy.operator("engine"), month)
        except (Conflict, IntegrityError):
            return None  # another worker drew it a moment ago

    def draw(self, actor: Actor, month: str | None = None, size: int | None = None,
             seed: str | None = None) -> dict:
        """Draw `month`'s sample (this month by default) and open a review case for each drawn case."""
        policy.require(policy.is_admin(actor), "only the engine or an administrator draws the quality review")
        month = month_key(self.clock, month)
        size = size or self.sample_size
        if size < 1:
            raise BadRequest("the sample size is at least 1")
        seed = seed or self.seed or secrets.token_hex(8)
        now = self.clock.now()
        with self.store.transaction() as uow:
            session = uow.session
            if session.get(QualityDraw, month) is not None:
                raise Conflict(f"the quality review of {month} is drawn already")
            version = process_versions.latest(session, self.process)
            draw = QualityDraw(month=month, drawn_at=now, drawn_by=actor.username, seed=seed, sample_size=size,
                               cases_drawn=0)
            session.add(draw)
            session.flush()  # the month is taken first: a second drawer stops here
            by_worker = self._population(session, now)
            sample = draw_sample(by_worker, size, f"{month}:{seed}")
            reviews = []
            for reviewed_id in sorted(i for ids in sample.values() for i in ids):
                reviews.append(self._open_review(uow, version, reviewed_id, month, actor.username))
            draw.cases_drawn = len(reviews)
            uow.audit(None, actor.username, "quality_sample_drawn",
                      f"quality review of {month}: {len(reviews)} case(s) drawn, up to {size} per case manager",
                      data={"month": month, "seed": seed, "sample_size": size,
                            "drawn": [r["case_id"] for r in reviews],
                            "population": {str(w): sorted(ids) for w, ids in by_worker.items()}})
            return {"month": month, "seed": seed, "sample_size": size, "reviews": reviews}

    @staticmethod
    def _population(session, now) -> dict[int, list[int]]:
        """Each case manager's open cases and those closed in the last 30 days (never a review or a
        supervision session: oversight has no client's record to review)."""
        query = select(Case.case_manager_id, Case.id).where(
            Case.case_manager_id.is_not(None), Case.status.in_(("active", "error", "completed")),
            Case.stage.not_in(OVERSIGHT_STAGES), Case.client_id.is_not(None), Case.opened_at <= now,
            Case.closed_at.is_(None) | (Case.closed_at >= now - RECENTLY_CLOSED))
        found: dict[int, list[int]] = defaultdict(list)
        for worker, case_id in session.execute(query):
            found[worker].append(case_id)
        return dict(found)

    def _open_review(self, uow, version, reviewed_id: int, month: str, drawn_by: str) -> dict:
        reviewed = uow.lock_case(reviewed_id)  # its audit chain gets a link: hold its row
        worker = reviewed.case_manager.username if reviewed.case_manager else None
        start = {"reviewed_case": {"id": reviewed.id, "stage": reviewed.stage, "case_manager": worker,
                                   "opened_on": reviewed.opened_at.date().isoformat(),
                                   "closed_on": reviewed.closed_at.date().isoformat() if reviewed.closed_at else None},
                 "review_month": month}
        review, _ = self.runner.start(uow, reviewed.client, version, drawn_by, reviewed.program, reviewed.team,
                                      reviewed.case_manager_id, variables=start, stage=REVIEW_STAGES[0])
        uow.session.add(QualityReview(month=month, review_case_id=review.id, reviewed_case_id=reviewed.id,
                                      worker_id=reviewed.case_manager_id))
        uow.audit(reviewed.id, drawn_by, "quality_review_drawn",
                  f"drawn for the quality review of {month}: review case {review.id}",
                  data={"month": month, "review_case_id": review.id})
        return {"case_id": reviewed.id, "review_case_id": review.id, "worker": worker}
