"""Firing due timers: reassessments, overdue follow-ups, post-closure check-ins."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from ..clock import Clock, FixedClock
from ..runtime.workflow import CaseWorkflow, ScriptFailed
from ..store.models import Case, Timer
from ..store.unit_of_work import Store, UnitOfWork
from .runner import CaseRunner

MAX_TIMER_STEPS_PER_CASE = 1000


@dataclass
class TimerRun:
    fired: int = 0
    failed: list[dict] = field(default_factory=list)  # {"case_id", "element_id", "error"}: incidents opened


class TimerService:
    def __init__(self, store: Store, runner: CaseRunner, clock: Clock):
        self.store = store
        self.runner = runner
        self.clock = clock

    def fire_due_timers(self, limit: int | None = None) -> int:
        """Fire every timer due now; how many fired (see run_due for the failures too)."""
        return self.run_due(limit).fired

    def run_due(self, limit: int | None = None) -> TimerRun:
        """Fire every timer due now, one case per transaction.

        Several workers may run this at once: each claims a case with
        FOR UPDATE SKIP LOCKED (PostgreSQL), and a timer's row is deleted in the
        same transaction that advances its case, so each timer fires once. A timer whose
        step fails still counts as fired; its case stops with the error, and the run says so."""
        run = TimerRun()
        fired = 0
        skipped: set[int] = set()
        while limit is None or fired < limit:
            now = self.clock.now()
            with self.store.transaction() as uow:
                session = uow.session
                due_cases = (select(Timer.case_id).where(Timer.due_at <= now)
                             .where(Timer.case_id.not_in(skipped) if skipped else True)
                             .order_by(Timer.due_at).limit(50))
                query = (select(Case).where(Case.id.in_(due_cases.scalar_subquery()), Case.status == "active")
                         .order_by(Case.id).limit(1))
                if uow.is_postgres:
                    query = query.with_for_update(of=Case, skip_locked=True)
                case = session.scalar(query.execution_options(populate_existing=True))
                if case is None:
                    stuck = session.scalar(select(Timer.case_id).where(Timer.due_at <= now)
                                           .where(Timer.case_id.not_in(skipped) if skipped else True).limit(1))
                    if stuck is None:
                        break
                    skipped.add(stuck)  # locked by another worker, or its case is stopped
                    continue
                count = self._fire_case_timers(uow, case, now)
                if case.status == "error":
                    run.failed.append({"case_id": case.id, "element_id": case.error_element_id,
                                       "error": case.error})
                if count == 0:
                    skipped.add(case.id)  # nothing would fire: do not pick it again this run
                fired += count
        run.fired = fired
        return run

    def _fire_case_timers(self, uow: UnitOfWork, case: Case, now: datetime) -> int:
        """Fire the case's due timers one at a time, earliest first, each as of the instant it
        fell due: after downtime the case catches up in the order things would have happened
        (a contact that fell due before the reassessment is opened before it, the timers a
        step schedules count from when it should have run, and tasks are due relative to
        that), while the record and audit are stamped with the real time."""
        fired = 0
        for _ in range(MAX_TIMER_STEPS_PER_CASE):
            due = [t for t in uow.timers(case.id) if t.due_at <= now]
            if not due or case.status != "active":
                break
            timer = min(due, key=lambda t: (t.due_at, t.id))
            timer_id, due_at = timer.id, timer.due_at

            def step(workflow: CaseWorkflow) -> None:
                nonlocal fired
                try:
                    if workflow.fire_timer(timer_id, due_at):
                        fired += 1
                except ScriptFailed:
                    fired += 1  # the timer fired; what followed it failed (the case keeps the error)
                    raise

            self.runner.run(uow, case, "engine", step, task_base=due_at, as_of=FixedClock(due_at))
            if any(t.id == timer_id for t in uow.timers(case.id)):
                break  # still waiting after its step: leave it to a later run
        return fired
