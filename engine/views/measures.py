"""Outcome and process measures for a program, team, worker and period (NASW Std 9: evaluate the
case management; NACM evaluation: access, effectiveness, efficiency, satisfaction, adherence).

- access: cases opened; days from referral to screening, to assessment and to an approved plan
  (median and 90th percentile), for the cases opened in the period;
- adherence: contacts and reassessments due in the period, done on time or overdue;
- effectiveness: each goal's outcome at closure, re-entry after closure;
- satisfaction: the closure survey's overall rating;
- workload: caseload per case manager at the end of the period, by acuity (NASW Std 11);
- quality review: checklist items checked and met, findings open and closed (AAA quality review;
  quality_measures.py). Review cases themselves are no case opened, closed or carried.

Milestones are read from the signed record's stage changes (a case left screening, assessment,
planning), contacts and reassessments from the steps the diagram marks with those purposes, and
outcomes from any form with `goal_outcomes` or `satisfaction_survey`: an agency's own diagram
and forms are measured the same way. Every count names the cases behind it; a supervisor sees
only their team's cases (policy.case_filter), so every link leads to a case they may open.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from .. import policy
from ..clock import Clock
from ..definitions.forms import FormCatalog
from ..errors import BadRequest
from ..policy import Actor
from ..store.models import Case, HumanTask, RecordEntry, User
from ..store.unit_of_work import Store
from .dashboard import acuity_weights
from ..vocabulary import OVERSIGHT_STAGES, REVIEW_STAGES
from .measure_math import days_between, duration_figure, figure, rate
from .quality_measures import quality_figures

DEFAULT_PERIOD = timedelta(days=365)
# Milestones: the first time a case left the stage (and, for the plan, went on to monitoring:
# the plan was approved). Referral is the moment the case was opened.
MILESTONES = {"screening": ("screening", None), "assessment": ("assessment", None),
              "approved_plan": ("planning", "monitoring")}
OUTCOMES = ("met", "partially_met", "not_met")


def _day(value: str | None, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise BadRequest(f"{name} must be a date (YYYY-MM-DD)") from None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


class Measures:
    def __init__(self, store: Store, forms: FormCatalog, clock: Clock):
        self.store = store
        self.forms = forms
        self.clock = clock

    def measures(self, actor: Actor, program: str | None = None, team: str | None = None,
                 worker: str | None = None, from_: str | None = None, to: str | None = None) -> dict:
        policy.require(policy.may_see_reports(actor), "only supervisors and administrators see the reports")
        now = self.clock.now()
        last = _day(to, "to") or now.date()
        first = _day(from_, "from") or (last - DEFAULT_PERIOD)
        if first > last:
            raise BadRequest("from must not be after to")
        start, end = _start_of(first), _start_of(last + timedelta(days=1))
        with self.store.reading() as uow:
            cases = self._cases(uow.session, actor, program, team, worker, start, end)
            reviews = self._cases(uow.session, actor, program, team, worker, start, end, reviews=True)
            quality = quality_figures(uow.session, [c.id for c in reviews],
                                      sorted(self.forms.names_with_field("checklist")), start, end)
            ids = [c.id for c in cases]
            leaving = self._stage_changes(uow.session, ids)
            tasks = self._timed_tasks(uow.session, ids, start, min(end, now))
            closing = self._closing_answers(uow.session, ids)
            reentered = self._reentries(uow.session, ids)
        opened = [c for c in cases if start <= c.opened_at < end]
        closed = [c for c in cases if c.closed_at and start <= c.closed_at < end and c.stage != "ineligible"]
        report_measures = {
            "cases_opened": {"count": figure(len(opened), [c.id for c in opened])},
            "cases_closed": {"count": figure(len(closed), [c.id for c in closed])},
            **{f"time_to_{name}": duration_figure(self._milestone(opened, leaving, *rule))
               for name, rule in MILESTONES.items()},
            "contacts": self._on_time([t for t in tasks if t.purpose == "contact"], now),
            "reassessments": self._on_time([t for t in tasks if t.purpose == "reassessment"], now),
            "goals_at_closure": self._goals(closed, closing),
            "satisfaction": self._satisfaction(closed, closing),
            "reentry": self._reentry(closed, reentered),
            "quality_review": quality,
        }
        return {"filters": {"program": program, "team": team, "worker": worker},
                "period": {"from": first.isoformat(), "to": last.isoformat()},
                "generated_at": now.isoformat(), "measures": report_measures,
                "caseload": self._caseload(cases, min(end, now))}

    # ------------------------------------------------------------------ reading
    @staticmethod
    def _cases(session, actor, program, team, worker, start, end, reviews: bool = False) -> list[Case]:
        """The cases the actor may see that were open at some time in the period: the clients'
        cases, or with `reviews` the quality reviews of them."""
        query = select(Case).where(Case.opened_at < end, (Case.closed_at.is_(None)) | (Case.closed_at >= start),
                                   Case.stage.in_(REVIEW_STAGES) if reviews else Case.stage.not_in(OVERSIGHT_STAGES))
        visible = policy.case_filter(actor)
        if visible is not None:
            query = query.where(visible)
        if program:
            query = query.where(Case.program == program)
        if team:
            query = query.where(Case.team == team)
        if worker:
            query = query.where(Case.case_manager_id == select(User.id).where(User.username == worker)
                                .scalar_subquery())
        return list(session.scalars(query.order_by(Case.id)))

    @staticmethod
    def _stage_changes(session, ids) -> dict[int, list[tuple[datetime, dict]]]:
        found = defaultdict(list)
        if ids:
            rows = session.execute(select(RecordEntry.case_id, RecordEntry.recorded_at, RecordEntry.data)
                                   .where(RecordEntry.kind == "stage_change", RecordEntry.case_id.in_(ids))
                                   .order_by(RecordEntry.recorded_at, RecordEntry.id))
            for case_id, at, data in rows:
                found[case_id].append((at, data or {}))
        return found

    @staticmethod
    def _timed_tasks(session, ids, start, until) -> list[HumanTask]:
        """Contacts and reassessments that fell due in the period (up to now: what is not yet due
        is neither on time nor late)."""
        if not ids:
            return []
        return list(session.scalars(select(HumanTask).where(
            HumanTask.case_id.in_(ids), HumanTask.purpose.in_(("contact", "reassessment")),
            HumanTask.state != "cancelled", HumanTask.due_at >= start, HumanTask.due_at < until)))

    def _closing_answers(self, session, ids) -> dict[int, dict]:
        """Each case's latest uncorrected answers carrying goal outcomes or a satisfaction survey."""
        kinds = sorted(set(self.forms.names_with_field("goal_outcomes"))
                       | set(self.forms.names_with_field("satisfaction_survey")))
        if not ids or not kinds:
            return {}
        rows = list(session.execute(select(RecordEntry.id, RecordEntry.case_id, RecordEntry.data,
                                           RecordEntry.corrects_id)
                                    .where(RecordEntry.kind.in_(kinds), RecordEntry.case_id.in_(ids))
                                    .order_by(RecordEntry.recorded_at, RecordEntry.id)))
        corrected = {r.corrects_id for r in rows if r.corrects_id}
        return {r.case_id: r.data or {} for r in rows if r.id not in corrected}

    @staticmethod
    def _reentries(session, ids) -> dict[int, int]:
        """closed case -> the case that re-entered after it."""
        if not ids:
            return {}
        return {previous: case_id for case_id, previous in session.execute(
            select(Case.id, Case.previous_case_id).where(Case.previous_case_id.in_(ids)))}

    # ------------------------------------------------------------------ figures
    @staticmethod
    def _milestone(opened, leaving, stage, onward) -> dict[int, float]:
        days = {}
        for case in opened:
            for at, change in leaving.get(case.id, []):
                if change.get("from") == stage and (onward is None or change.get("to") == onward):
                    days[case.id] = days_between(case.opened_at, at)
                    break
        return days

    @staticmethod
    def _on_time(tasks: list[HumanTask], now: datetime) -> dict:
        on_time = {t.case_id for t in tasks if t.completed_at and t.completed_at <= t.due_at}
        on_time_count = sum(1 for t in tasks if t.completed_at and t.completed_at <= t.due_at)
        late = [t for t in tasks if (t.completed_at and t.completed_at > t.due_at)
                or (t.completed_at is None and t.state == "open" and t.due_at < now)]
        return {"on_time": figure(on_time_count, on_time), "overdue": figure(len(late), {t.case_id for t in late}),
                "on_time_rate": figure(rate(on_time_count, on_time_count + len(late)))}

    @staticmethod
    def _goals(closed: list[Case], closing: dict[int, dict]) -> dict:
        counts = {outcome: 0 for outcome in OUTCOMES}
        cases = {outcome: set() for outcome in OUTCOMES}
        for case in closed:
            for row in (closing.get(case.id) or {}).get("goal_outcomes") or []:
                outcome = row.get("outcome") if isinstance(row, dict) else None
                if outcome in counts:
                    counts[outcome] += 1
                    cases[outcome].add(case.id)
        return {outcome: figure(counts[outcome], cases[outcome]) for outcome in OUTCOMES}

    @staticmethod
    def _satisfaction(closed: list[Case], closing: dict[int, dict]) -> dict:
        ratings = {}
        for case in closed:
            survey = (closing.get(case.id) or {}).get("satisfaction_survey")
            overall = survey.get("overall") if isinstance(survey, dict) else None
            if isinstance(overall, (int, float)) and not isinstance(overall, bool):
                ratings[case.id] = overall
        average = round(sum(ratings.values()) / len(ratings), 2) if ratings else None
        return {"responses": figure(len(ratings), ratings), "average_overall": figure(average)}

    @staticmethod
    def _reentry(closed: list[Case], reentered: dict[int, int]) -> dict:
        back = [c.id for c in closed if c.id in reentered]
        return {"closed": figure(len(closed), [c.id for c in closed]), "reentered": figure(len(back), back),
                "rate": figure(rate(len(back), len(closed)))}

    @staticmethod
    def _caseload(cases: list[Case], at: datetime) -> list[dict]:
        """Open cases per case manager at the end of the period, by acuity today (acuity has no
        history of its own), weighted as on the dashboard."""
        weights = acuity_weights()
        rows: dict[str | None, dict] = {}
        for case in cases:
            if case.opened_at >= at or (case.closed_at is not None and case.closed_at <= at):
                continue
            worker = case.case_manager.username if case.case_manager else None
            row = rows.setdefault(worker, {"worker": worker, "ids": defaultdict(set), "weighted": 0.0})
            acuity = case.acuity if case.acuity in ("high", "medium", "low") else "unrated"
            row["ids"]["cases"].add(case.id)
            row["ids"][acuity].add(case.id)
            row["weighted"] += weights.get(case.acuity, 1.0)
        result = []
        for worker in sorted(rows, key=lambda w: (w is None, w or "")):
            row = rows[worker]
            result.append({"worker": worker, "weighted": figure(round(row["weighted"], 1)),
                           **{part: figure(len(row["ids"][part]), row["ids"][part])
                              for part in ("cases", "high", "medium", "low", "unrated")}})
        return result
