"""Firing due timers: reassessments, overdue follow-ups, post-closure check-ins."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..clock import Clock, FixedClock
from ..runtime.workflow import CaseWorkflow, ScriptFailed
from ..store.claims import timer_claims
from ..store.models import Case
from ..store.unit_of_work import Store, UnitOfWork
from .runner import CaseRunner

MAX_TIMER_STEPS_PER_CASE = 1000
CLAIM_BATCH = 100  # cases read per claim query: one query per hundred cases, not one per case


@dataclass
class TimerRun:
    fired: int = 0
    failed: list[dict] = field(default_factory=list)  # {"case_id", "element_id", "error"}: incidents opened
    standing_by: bool = False  # every worker slot was taken: other workers are firing


class TimerService:
    def __init__(self, store: Store, runner: CaseRunner, clock: Clock, worker_slots: int | None = None):
        self.store = store
        self.runner = runner
        self.clock = clock
        # At most this many workers fire at once (PostgreSQL): more processes than cores only
        # take CPU from the ones firing. None: no limit.
        self.worker_slots = worker_slots

    def fire_due_timers(self, limit: int | None = None) -> int:
        """Fire every timer due now; how many fired (see run_due for the failures too)."""
        return self.run_due(limit).fired

    def run_due(self, limit: int | None = None, batch: int = CLAIM_BATCH) -> TimerRun:
        """Fire every timer due now, one case per transaction.

        Several workers may run this at once. Each claims a batch of cases with due timers
        that no other worker has claimed (PostgreSQL: engine/store/claims.py), so workers
        take disjoint batches, then fires them one short transaction each on one connection
        kept for the run: the case row is locked (SKIP LOCKED: a case someone is stepping
        right now is left to a later run), its timers re-read under the lock, and a timer's
        row is deleted in the same transaction that advances its case, so each timer fires
        once whatever the claims do. A timer whose step fails still counts as fired; its case
        stops with the error, and the run says so."""
        run = TimerRun()
        skipped: set[int] = set()  # stopped, nothing to fire, or held by someone
        with self.store.pinned() as store, timer_claims(self.store, self.worker_slots) as claims:
            run.standing_by = claims.busy
            while limit is None or run.fired < limit:
                now = self.clock.now()
                case_ids = claims.claim(now, batch, skipped)
                if not case_ids:
                    break
                for case_id in case_ids:
                    if limit is not None and run.fired >= limit:
                        break
                    if not self._fire_case(store, case_id, now, run):
                        skipped.add(case_id)
        return run

    def _fire_case(self, store: Store, case_id: int, now: datetime, run: TimerRun) -> bool:
        """Fire one case's due timers in its own transaction; False if there was nothing to do."""
        with store.transaction() as uow:
            case = uow.lock_case(case_id, skip_locked=True, with_state=True)
            if case is None or case.status != "active":
                return False
            count = self._fire_case_timers(uow, case, now)
            if case.status == "error":
                run.failed.append({"case_id": case.id, "element_id": case.error_element_id, "error": case.error})
            run.fired += count
            return count > 0

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
