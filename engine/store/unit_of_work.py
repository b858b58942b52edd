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
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Iterator

from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from ..clock import Clock, due_from
from ..vocabulary import CLOSED_STAGES
from . import record_guard  # noqa: F401  (installs the signed-entry guard on RecordEntry)
from . import locked_read, step_writer
from .chain import GENESIS, Chains
from .models import (AuditEvent, Case, FormDraft, HumanTask, RecordEntry, TaskDelegation, TaskFollowUp, Timer,
                     WorkflowState, client_sort_key)

if TYPE_CHECKING:
    from ..runtime.workflow import CaseWorkflow


class Store:
    """The database behind the engine: opens units of work."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock):
        self.sessions = sessions
        self.clock = clock
        self.is_postgres = sessions.kw["bind"].dialect.name == "postgresql"
        # One statement needs no transaction around it: no BEGIN and no ROLLBACK round trips.
        # (From the engine even when this store is pinned to one connection: setting autocommit
        # on that connection would end the transactions of the store pinned to it.)
        autocommit = sessions.kw["bind"].engine.execution_options(isolation_level="AUTOCOMMIT")
        self._single_reads = sessionmaker(bind=autocommit, expire_on_commit=False)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[UnitOfWork]:
        with self.sessions() as session, session.begin():
            uow = UnitOfWork(session, self.clock, self.is_postgres)
            yield uow
            uow.chains.write_heads()
            uow.write_audit_events()

    @contextlib.contextmanager
    def single_read(self) -> Iterator[Session]:
        """A session for exactly one SELECT (who holds this token, say), outside any transaction:
        the statement is its own snapshot, so nothing is lost by not wrapping it. Asked on every
        request, it saves two of its three round trips."""
        with self._single_reads() as session:
            yield session

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


@dataclass(slots=True)
class _AuditRow:
    """An audit event waiting to be written (sealed into its chain already)."""
    case_id: int | None
    at: datetime
    actor: str
    kind: str
    bpmn_id: str | None
    message: str
    data: dict | None
    prev_hash: str | None = None
    entry_hash: str | None = None

    def values(self) -> dict:
        return {"case_id": self.case_id, "at": self.at, "actor": self.actor, "kind": self.kind,
                "bpmn_id": self.bpmn_id, "message": self.message, "data": self.data,
                "prev_hash": self.prev_hash, "entry_hash": self.entry_hash}


@event.listens_for(Session, "do_orm_execute")
def _audit_events_before_any_statement(state) -> None:
    """Audit events wait in their unit of work and leave together (one multi-row INSERT, no
    ORM bookkeeping: nothing reads their ids). Any statement the session sends first writes
    them, so a read in the same unit of work sees them and they keep their chain's order."""
    uow = state.session.info.get("unit_of_work")
    if uow is not None and uow.pending_audit:
        uow.write_audit_events()


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
        self._next_cases: dict[int, int | None] = {}
        self.chains = Chains(session, is_postgres)
        self.pending_audit: list[_AuditRow] = []
        session.info["unit_of_work"] = self

    # ------------------------------------------------------------------ cases
    def lock_case(self, case_id: int, skip_locked: bool = False, with_state: bool = False) -> Case | None:
        """The case, its row locked (PostgreSQL; SQLite already runs one writer at a time).
        `with_state` brings what a step reads in the same statement (its workflow state, open
        tasks and timers, see `_read_locked`), for a step about to load it."""
        if with_state:
            row = self._read_locked("case", case_id, skip_locked=skip_locked)
            return row[0] if row is not None else None
        query = select(Case).where(Case.id == case_id)
        if self.is_postgres:
            query = query.with_for_update(of=Case, skip_locked=skip_locked)
        case = self.session.execute(query.execution_options(populate_existing=True)).scalar_one_or_none()
        if case is not None:
            self.chains.hold(case)
        return case

    def _read_locked(self, what: str, key, skip_locked: bool = False, entry_kinds: list[str] | None = None):
        """Read a case (`what` "case") or a task with its case ("task") locked, with the case's
        rows beside it (engine/store/locked_read.py), keep what came and return (case,) or (task,
        whether it has leftovers, case); None if there is none.

        A PostgreSQL statement that waited for a lock sees the locked rows as they are now but
        the others as they were when it started: if a locked row changed meanwhile (its xmin
        differs from a read of it without the lock), everything is read again, under the lock."""
        if self.pending_audit:  # what any statement of this unit of work sends first
            self.write_audit_events()
        if self.session.autoflush:  # as a query would: what is pending is written first
            self.session.flush()
        read = locked_read.locked_read(what, self.is_postgres, skip_locked, tuple(entry_kinds or ()))
        found = locked_read.run(self.session, read, key)
        if found is None:
            return None
        case = found.case
        self.chains.hold(case)
        if found.waited:  # waited for another step on the case
            return self._read_locked(what, key, skip_locked, entry_kinds)
        self._states[case.id] = found.state
        self._open_tasks[case.id] = found.open_tasks
        self._timers[case.id] = found.timers
        self._next_cases[case.id] = found.next_case_id
        if entry_kinds and not found.has_entries:
            self._entries[(case.id, tuple(entry_kinds))] = []
        return (found.task, found.has_leftovers, case) if what == "task" else (case,)

    def add_case(self, case: Case) -> None:
        """Insert a new case; its chains start here, so its row carries their (empty) heads."""
        case.audit_head = case.record_head = GENESIS
        self.session.add(case)
        self.session.flush()
        self.chains.hold(case)
        # A new case has no workflow state, tasks or timers yet: nothing to read back.
        self._states[case.id] = None
        self._open_tasks[case.id], self._timers[case.id] = [], []
        self._next_cases[case.id] = None
        if case.previous_case_id in self._next_cases:  # a re-entry: the case it follows now leads here
            self._next_cases[case.previous_case_id] = case.id

    def next_case_id(self, case_id: int) -> int | None:
        """The case opened after this one (a re-entry that names it as previous), if any."""
        if case_id not in self._next_cases:
            self._next_cases[case_id] = self.session.scalar(
                select(Case.id).where(Case.previous_case_id == case_id).order_by(Case.id.desc()).limit(1))
        return self._next_cases[case_id]

    def lock_task(self, task_id: str, entry_kinds: list[str] | None = None) -> HumanTask | None:
        """A task with everything a completion reads, its case locked, in one statement: the
        case and its rows (`_read_locked`), and whether the task has drafts, follow-ups or a
        delegation (so closing it deletes only what is there). On PostgreSQL the case and the
        task are locked, the case first (the order every step takes them in)."""
        row = self._read_locked("task", task_id, entry_kinds=entry_kinds)
        if row is None:
            return None
        task, has_leftovers, _ = row
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
        row = _AuditRow(case_id, self.clock.now(), actor, kind, bpmn_id, message, data)
        self.chains.seal("audit_events", row)
        self.pending_audit.append(row)

    def write_audit_events(self) -> None:
        """Insert the audit events waiting in this unit of work, in the order they were sealed."""
        rows, self.pending_audit = self.pending_audit, []
        if rows:
            self.session.connection().execute(insert(AuditEvent.__table__), [row.values() for row in rows])

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
        for step_event in workflow.events:
            self.audit(case.id, "engine" if step_event.kind != "task_completed" else actor,
                       step_event.kind, step_event.message, step_event.bpmn_id, step_event.data)

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
                            assignee_id=assignee, due_at=due_from(task_base, info.due_in), created_at=now,
                            client_sort=client_sort_key(case.client))
            self.session.add(row)
            self._open_tasks[case.id].append(row)
            self.audit(case.id, "engine", "task_created", f"task '{info.name}' opened for lane {info.lane}",
                       info.bpmn_id, {"task_id": task_id, "lane": info.lane, "form": info.form})

    def _mirror_timers(self, case: Case, workflow: CaseWorkflow, now: datetime) -> None:
        waiting = {t.id: t for t in workflow.waiting_timers(now)}
        rows = {row.id: row for row in self.timers(case.id)}
        fired = {e.data["timer_id"] for e in workflow.events if e.kind == "timer_fired" and e.data}
        kept = []
        for timer_id, row in rows.items():
            if timer_id not in waiting:
                self.session.delete(row)
                # Gone without firing in this step: withdrawn, even when it was already due (a
                # task completed after its deadline fell due, before any worker fired it).
                if timer_id not in fired:
                    self.audit(case.id, "engine", "timer_cancelled", f"timer '{row.name}' is no longer needed",
                               row.bpmn_id, {"timer_id": timer_id})
        for timer_id, info in waiting.items():
            row = rows.get(timer_id)
            if row is None:
                row = Timer(id=timer_id, case_id=case.id, bpmn_id=info.bpmn_id, name=info.name, kind=info.kind,
                            purpose=info.purpose, due_at=info.due_at, created_at=now, team=case.team)
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
        version = case.lock_version or 0
        case.updated_at = now
        case.lock_version = version + 1
        if row is None:
            row = WorkflowState(case_id=case.id, state=state, size=len(state), updated_at=now)
            self.session.add(row)
            self._states[case.id] = row
        else:
            row.state, row.size, row.updated_at = state, len(state), now
        try:
            rows = step_writer.collect(self.session, case, [r.values() for r in self.pending_audit])
            case_changes = step_writer.changed_columns(case)
        except step_writer.NotWrittenHere:
            # Something only the ORM knows how to write (a changed relationship, a row of another
            # kind): its flush writes everything, the case's version checked all the same.
            try:
                self.session.flush()
            except StaleDataError:
                raise step_writer.changed_by_someone_else(case) from None
            return
        self.pending_audit = []
        step_writer.write(self.session, case, case_changes, version, rows, self.is_postgres)
