"""One transaction, and everything written inside it.

Every step is one database transaction: the workflow state, the open tasks, the
waiting timers, the stage, the case record and the audit events are written together
or not at all, so a process killed mid-step leaves the case as it was before the step.
Steps on one case are serialized (row lock on PostgreSQL, BEGIN IMMEDIATE on SQLite)
and version-checked, so two people completing the same task get one success and one
conflict.

The unit of work also remembers what it read (a case's open tasks and timers, its
release entries) so one step reads each of them once.
"""
from __future__ import annotations

import contextlib
from datetime import datetime
from typing import TYPE_CHECKING, Iterator

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from ..clock import Clock, due_from
from ..errors import Conflict
from ..vocabulary import CLOSED_STAGES
from . import record_guard  # noqa: F401  (installs the signed-entry guard on RecordEntry)
from .chain import GENESIS, Chains
from .models import (AuditEvent, Case, FormDraft, HumanTask, RecordEntry, TaskDelegation, TaskFollowUp, Timer,
                     WorkflowState)

if TYPE_CHECKING:
    from ..runtime.workflow import CaseWorkflow


class Store:
    """The database behind the engine: opens units of work."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock):
        self.sessions = sessions
        self.clock = clock
        self.is_postgres = sessions.kw["bind"].dialect.name == "postgresql"

    @contextlib.contextmanager
    def transaction(self) -> Iterator[UnitOfWork]:
        with self.sessions() as session, session.begin():
            uow = UnitOfWork(session, self.clock, self.is_postgres)
            yield uow
            uow.chains.write_heads()

    @contextlib.contextmanager
    def pinned(self) -> Iterator[Store]:
        """This store on one connection kept for a run of many short transactions (firing
        timers): each transaction skips the pool checkout and its liveness ping, a round trip
        per transaction. The connection goes back to the pool when the run ends."""
        with self.sessions.kw["bind"].connect() as connection:
            yield Store(sessionmaker(**{**self.sessions.kw, "bind": connection}), self.clock)

    @contextlib.contextmanager
    def reading(self) -> Iterator[UnitOfWork]:
        """A unit of work that only reads (no BEGIN IMMEDIATE on SQLite)."""
        with self.sessions() as session:
            yield UnitOfWork(session, self.clock, self.is_postgres)


class UnitOfWork:
    def __init__(self, session: Session, clock: Clock, is_postgres: bool):
        self.session = session
        self.clock = clock
        self.is_postgres = is_postgres
        self._open_tasks: dict[int, list[HumanTask]] = {}
        self._timers: dict[int, list[Timer]] = {}
        self._entries: dict[tuple, list[RecordEntry]] = {}
        self._states: dict[int, WorkflowState] = {}  # held: the session's identity map is weak
        self._leftovers: set[str] = set()
        self.chains = Chains(session, is_postgres)

    # ------------------------------------------------------------------ cases
    def lock_case(self, case_id: int, skip_locked: bool = False, with_state: bool = False,
                  with_rows: bool = False) -> Case | None:
        """The case, its row locked (PostgreSQL; SQLite already runs one writer at a time).
        `with_state` reads its workflow state in the same statement, for a step about to load it;
        `with_rows` (with_state too) also its waiting timers and open tasks, which the step
        would otherwise read in two more statements (a timer step: one round trip, not three)."""
        if with_rows:
            return self._lock_case_with_rows(case_id, skip_locked)
        query = select(Case).where(Case.id == case_id)
        if with_state:
            query = query.add_columns(WorkflowState).join(WorkflowState, WorkflowState.case_id == Case.id)
        if self.is_postgres:
            query = query.with_for_update(of=[Case, WorkflowState] if with_state else Case, skip_locked=skip_locked)
        row = self.session.execute(query.execution_options(populate_existing=True)).one_or_none()
        if row is None:
            return None
        case = row[0]
        if with_state:
            self._states[case.id] = row[1]
        self.chains.hold(case)
        return case

    def _lock_case_with_rows(self, case_id: int, skip_locked: bool) -> Case | None:
        """lock_case with the state, timers and open tasks: one row per (timer, task) pair, outer
        joined (a case waits on a few timers with a few tasks open, so the product stays small)."""
        query = (select(Case, WorkflowState, Timer, HumanTask)
                 .join(WorkflowState, WorkflowState.case_id == Case.id)
                 .outerjoin(Timer, Timer.case_id == Case.id)
                 .outerjoin(HumanTask, and_(HumanTask.case_id == Case.id, HumanTask.state == "open"))
                 .where(Case.id == case_id).order_by(Timer.due_at))
        if self.is_postgres:
            query = query.with_for_update(of=[Case, WorkflowState], skip_locked=skip_locked)
        rows = self.session.execute(query.execution_options(populate_existing=True)).all()
        if not rows:
            return None
        case, state = rows[0][0], rows[0][1]
        timers = list({row[2].id: row[2] for row in rows if row[2] is not None}.values())
        tasks = {row[3].id: row[3] for row in rows if row[3] is not None}
        self._states[case.id] = state
        self._timers[case.id] = timers  # soonest first, as timers() reads them
        self._open_tasks[case.id] = sorted(tasks.values(), key=lambda t: (t.created_at, t.id))
        self.chains.hold(case)
        return case

    def add_case(self, case: Case) -> None:
        """Insert a new case; its chains start here, so its row carries their (empty) heads."""
        case.audit_head = case.record_head = GENESIS
        self.session.add(case)
        self.session.flush()
        self.chains.hold(case)
        # A new case has no workflow state, tasks or timers yet: nothing to read back.
        self._states[case.id] = None
        self._open_tasks[case.id], self._timers[case.id] = [], []

    def lock_task(self, task_id: str) -> HumanTask | None:
        """A task with its case and the case's workflow state in one read, the case locked.

        On PostgreSQL the three rows are locked, the case first (the order every step takes
        them in: case row, then the task rows it updates), so what is read is current even
        after waiting for another step. Whether the task has drafts, follow-ups or a
        delegation comes along, so closing it deletes only what is there."""
        leftovers = or_(*(exists().where(model.task_id == HumanTask.id)
                          for model in (FormDraft, TaskFollowUp, TaskDelegation)))
        query = (select(HumanTask, Case, WorkflowState, leftovers)
                 .join(Case, Case.id == HumanTask.case_id).join(WorkflowState, WorkflowState.case_id == Case.id)
                 .where(HumanTask.id == task_id))
        if self.is_postgres:
            query = query.with_for_update(of=[Case, WorkflowState, HumanTask])
        row = self.session.execute(query.execution_options(populate_existing=True)).one_or_none()
        if row is None:
            return None
        task, case, state, has_leftovers = row
        self._states[case.id] = state
        self.chains.hold(case)
        if has_leftovers:
            self._leftovers.add(task.id)
        return task

    def close_task_leftovers(self, task_id: str) -> None:
        """Delete what belonged to a task only while it was open (read by lock_task)."""
        if task_id in self._leftovers:
            for model in (FormDraft, TaskFollowUp, TaskDelegation):
                self.session.execute(model.__table__.delete().where(model.__table__.c.task_id == task_id))

    def workflow_state(self, case_id: int) -> str:
        row = self._states.get(case_id) or self.session.get(WorkflowState, case_id)
        self._states[case_id] = row
        return row.state

    # ------------------------------------------------------------------ audit and record
    def audit(self, case_id: int | None, actor: str, kind: str, message: str,
              bpmn_id: str | None = None, data: dict | None = None) -> None:
        event = AuditEvent(case_id=case_id, at=self.clock.now(), actor=actor, kind=kind, bpmn_id=bpmn_id,
                           message=message, data=data)
        self.chains.seal("audit_events", event)
        self.session.add(event)

    def record(self, case_id: int, kind: str, title: str, author: str, data: dict,
               bpmn_id: str | None = None, corrects_id: int | None = None) -> RecordEntry:
        now = self.clock.now()
        entry = RecordEntry(case_id=case_id, kind=kind, title=title, author=author, recorded_at=now,
                            signed_at=now, bpmn_id=bpmn_id, data=data, corrects_id=corrects_id)
        self.chains.seal("record_entries", entry)
        self.session.add(entry)
        for (cached_case, kinds), rows in self._entries.items():  # keep what was read current
            if cached_case == case_id and (kinds is None or kind in kinds):
                rows.append(entry)
        return entry

    def record_entries(self, case_id: int, kinds: list[str] | None = None) -> list[RecordEntry]:
        """The case's record in order, optionally only some kinds (read once per unit of work)."""
        key = (case_id, tuple(kinds) if kinds is not None else None)
        if key not in self._entries:
            query = select(RecordEntry).where(RecordEntry.case_id == case_id)
            if kinds is not None:
                query = query.where(RecordEntry.kind.in_(kinds))
            self._entries[key] = list(self.session.scalars(query.order_by(RecordEntry.recorded_at, RecordEntry.id)))
        return self._entries[key]

    # ------------------------------------------------------------------ tasks and timers
    def open_tasks(self, case_id: int) -> list[HumanTask]:
        """The case's open tasks in the order they opened (read once per unit of work)."""
        if case_id not in self._open_tasks:
            with self.session.no_autoflush:  # see _read_before_writing
                self._open_tasks[case_id] = list(self.session.scalars(
                    select(HumanTask).where(HumanTask.case_id == case_id, HumanTask.state == "open")
                    .order_by(HumanTask.created_at, HumanTask.id)))
        return [t for t in self._open_tasks[case_id] if t.state == "open"]

    def timers(self, case_id: int) -> list[Timer]:
        """The case's waiting timers, soonest first (read once per unit of work)."""
        if case_id not in self._timers:
            with self.session.no_autoflush:  # see _read_before_writing
                self._timers[case_id] = list(self.session.scalars(
                    select(Timer).where(Timer.case_id == case_id).order_by(Timer.due_at)))
        return list(self._timers[case_id])

    # ------------------------------------------------------------------ mirroring a step
    def save_step(self, case: Case, workflow: CaseWorkflow, actor: str, task_base: datetime | None = None) -> None:
        """Write what a step changed: its audit events, the case's open tasks and waiting
        timers as rows, its acuity, stage and status, and the workflow state."""
        now = self.clock.now()
        self._read_before_writing(case.id)
        self._audit_events(case, workflow, actor)
        self._mirror_tasks(case, workflow, now, task_base or now)
        self._mirror_timers(case, workflow, now)
        self._mirror_case(case, workflow, now)
        self._save_state(case, workflow, now)

    def _read_before_writing(self, case_id: int) -> None:
        """Read the case's open tasks and timers before the step adds rows, without flushing
        what is pending: the step's writes then leave in one flush, a statement per table.
        Skipping the flush is safe because these rows change only under the case lock, and
        only through this unit of work's lists: a task it completed is still read as open
        from the table, but its object (the same one) says completed and open_tasks drops it."""
        self.open_tasks(case_id)
        self.timers(case_id)

    def _audit_events(self, case: Case, workflow: CaseWorkflow, actor: str) -> None:
        for event in workflow.events:
            self.audit(case.id, "engine" if event.kind != "task_completed" else actor,
                       event.kind, event.message, event.bpmn_id, event.data)

    def _mirror_tasks(self, case: Case, workflow: CaseWorkflow, now: datetime, task_base: datetime) -> None:
        ready = {t.id: t for t in workflow.ready_user_tasks()}
        rows = self.open_tasks(case.id)
        open_ids = {row.id for row in rows}
        for row in rows:
            if row.id not in ready:
                row.state, row.completed_at = "cancelled", now
                self.audit(case.id, "engine", "task_cancelled",
                           f"task '{row.name}' was withdrawn by the process", row.bpmn_id)
        for task_id, info in ready.items():
            if task_id in open_ids:
                continue
            assignee = {"case_manager": case.case_manager_id, "supervisor": case.supervisor_id}.get(info.lane)
            row = HumanTask(id=task_id, case_id=case.id, bpmn_id=info.bpmn_id, name=info.name, lane=info.lane,
                            team=case.team, form=info.form, purpose=info.purpose, state="open",
                            assignee_id=assignee, due_at=due_from(task_base, info.due_in), created_at=now)
            self.session.add(row)
            self._open_tasks[case.id].append(row)
            self.audit(case.id, "engine", "task_created", f"task '{info.name}' opened for lane {info.lane}",
                       info.bpmn_id, {"task_id": task_id, "lane": info.lane, "form": info.form})

    def _mirror_timers(self, case: Case, workflow: CaseWorkflow, now: datetime) -> None:
        waiting = {t.id: t for t in workflow.waiting_timers(now)}
        rows = {row.id: row for row in self.timers(case.id)}
        kept = []
        for timer_id, row in rows.items():
            if timer_id not in waiting:
                self.session.delete(row)
                if row.due_at > now:
                    self.audit(case.id, "engine", "timer_cancelled", f"timer '{row.name}' is no longer needed",
                               row.bpmn_id, {"timer_id": timer_id})
        for timer_id, info in waiting.items():
            row = rows.get(timer_id)
            if row is None:
                row = Timer(id=timer_id, case_id=case.id, bpmn_id=info.bpmn_id, name=info.name, kind=info.kind,
                            purpose=info.purpose, due_at=info.due_at, created_at=now)
                self.session.add(row)
                self.audit(case.id, "engine", "timer_scheduled", f"timer '{info.name}' set for "
                           f"{info.due_at.isoformat()}", info.bpmn_id,
                           {"timer_id": timer_id, "due_at": info.due_at.isoformat()})
            elif row.due_at != info.due_at:
                row.due_at = info.due_at
            kept.append(row)
        self._timers[case.id] = sorted(kept, key=lambda t: t.due_at)

    def _mirror_case(self, case: Case, workflow: CaseWorkflow, now: datetime) -> None:
        acuity = workflow.acuity
        if isinstance(acuity, str) and acuity != case.acuity:
            self.audit(case.id, "engine", "acuity_set", f"acuity set to {acuity}",
                       data={"from": case.acuity, "to": acuity})
            case.acuity = acuity
        stage = workflow.stage(case.stage)
        if stage != case.stage:
            self.audit(case.id, "engine", "stage_changed", f"stage {case.stage} → {stage}",
                       data={"from": case.stage, "to": stage})
            self.record(case.id, "stage_change", f"Stage: {stage.replace('_', ' ')}", "engine",
                        {"from": case.stage, "to": stage})
            case.stage = stage
        if stage in CLOSED_STAGES and case.closed_at is None:
            case.closed_at = now  # follow-up after closure runs on a closed case
        if workflow.completed and case.status == "active":
            case.status = "completed"
            case.closed_at = case.closed_at or now

    def _save_state(self, case: Case, workflow: CaseWorkflow, now: datetime) -> None:
        state = workflow.dump()
        row = self._states[case.id] if case.id in self._states else self.session.get(WorkflowState, case.id)
        if row is None:
            row = WorkflowState(case_id=case.id, state=state, size=len(state), updated_at=now)
            self.session.add(row)
            self._states[case.id] = row
        else:
            row.state, row.size, row.updated_at = state, len(state), now
        case.updated_at = now
        case.lock_version = (case.lock_version or 0) + 1
        try:
            self.session.flush()
        except StaleDataError:
            raise Conflict(f"case {case.id} was changed by someone else; reload and try again") from None
