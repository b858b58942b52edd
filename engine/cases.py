"""The case engine: opening cases, working their tasks, firing their timers.

Every step is one database transaction: the workflow state, the open tasks,
the waiting timers, the stage, the case record and the audit events are
written together or not at all, so a process killed mid-step leaves the case
as it was before the step. Steps on one case are serialized (row lock on
PostgreSQL, BEGIN IMMEDIATE on SQLite) and version-checked, so two people
completing the same task get one success and one conflict.
"""
from __future__ import annotations

import contextlib
from datetime import date, datetime
from typing import Iterator

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from . import access, record_rules
from .case_record import ENTRY_KINDS
from .access import ENGINE, Actor
from .clock import Clock, FixedClock, install_spiff_clock, using_clock
from .errors import BadRequest, Conflict, Forbidden, InvalidData, NotFound
from .forms import FormCatalog
from .identity import Identity
from .case_views import CaseViewsMixin
from .designer import DesignerMixin
from .simulation import SimulationMixin
from .inbox import InboxMixin
from .models import (AuditEvent, Case, Client, FormDraft, HumanTask, RecordEntry, TaskDelegation, TaskFollowUp,
                     Timer, User, WorkflowState)
from .process_models import ProcessModels, read_path
from .runtime import CaseWorkflow, ScriptFailed, StepEvent, due_from
from .scripting import restricted_script_engine

DEFAULT_CASE_PROCESS = "case_lifecycle"
CLOSED_STAGES = ("follow_up", "closed", "ineligible")
MAX_TIMER_STEPS_PER_CASE = 1000


class CaseEngine(InboxMixin, CaseViewsMixin, DesignerMixin, SimulationMixin):
    def __init__(self, sessions: sessionmaker[Session], clock: Clock, forms: FormCatalog,
                 case_process: str = DEFAULT_CASE_PROCESS, max_file_bytes: int | None = None):
        install_spiff_clock()
        self.sessions = sessions
        self.clock = clock
        self.forms = forms
        self.case_process = case_process
        self.models = ProcessModels(forms, clock, **({"max_file_bytes": max_file_bytes} if max_file_bytes else {}))
        self.identity = Identity(clock)
        self.script_engine = restricted_script_engine()
        self.is_postgres = sessions.kw["bind"].dialect.name == "postgresql"

    # ------------------------------------------------------------------ plumbing
    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        with self.sessions() as session, session.begin():
            yield session

    def _lock_case(self, session: Session, case_id: int, skip_locked: bool = False) -> Case | None:
        query = select(Case).where(Case.id == case_id)
        if self.is_postgres:
            query = query.with_for_update(of=Case, skip_locked=skip_locked)
        return session.scalar(query.execution_options(populate_existing=True))

    def _load(self, session: Session, case: Case) -> CaseWorkflow:
        spec, subprocess_specs = self.models.specs(session, case.process_version_id)
        state = session.get(WorkflowState, case.id)
        return CaseWorkflow.load(state.state, spec, subprocess_specs, self.script_engine)

    def _audit(self, session: Session, case_id: int | None, actor: str, kind: str, message: str,
               bpmn_id: str | None = None, data: dict | None = None) -> None:
        session.add(AuditEvent(case_id=case_id, at=self.clock.now(), actor=actor, kind=kind,
                               bpmn_id=bpmn_id, message=message, data=data))

    def _record(self, session: Session, case_id: int, kind: str, title: str, author: str, data: dict,
                bpmn_id: str | None = None, corrects_id: int | None = None) -> RecordEntry:
        now = self.clock.now()
        entry = RecordEntry(case_id=case_id, kind=kind, title=title, author=author, recorded_at=now,
                            signed_at=now, bpmn_id=bpmn_id, data=data, corrects_id=corrects_id)
        session.add(entry)
        return entry

    def _run(self, session: Session, case: Case, actor: str, step, task_base: datetime | None = None,
             as_of: Clock | None = None) -> CaseWorkflow:
        """Run `step(workflow)` on the case and persist everything it changed.

        `task_base` is when the step should have happened (a timer's due time): tasks it opens
        are due relative to that, so a timer fired late still shows its task as overdue."""
        with using_clock(as_of or self.clock):
            if case.status == "error":
                raise Conflict(f"case {case.id} is stopped by an error and needs an administrator: {case.error}")
            workflow = self._load(session, case)
            try:
                step(workflow)
            except ScriptFailed as failure:
                # The diagram's own script failed: this one case stops with a clear error;
                # what the user did is kept, nothing past the failing element runs.
                case.status = "error"
                case.error = f"{failure.bpmn_id or 'a script'}: {failure.message}"
                self._audit(session, case.id, "engine", "script_error", case.error, failure.bpmn_id)
            self._persist(session, case, workflow, actor, task_base)
        return workflow

    def _persist(self, session: Session, case: Case, workflow: CaseWorkflow, actor: str,
                 task_base: datetime | None = None) -> None:
        now = self.clock.now()
        for event in workflow.events:
            self._audit(session, case.id, "engine" if event.kind != "task_completed" else actor,
                        event.kind, event.message, event.bpmn_id, event.data)
        linked = [event for event in workflow.events if event.kind == "open_linked_case"]
        workflow.events.clear()
        for event in linked:
            self._open_linked_case(session, case, event.data["model"], actor)
        self._sync_tasks(session, case, workflow, now, task_base or now)
        self._sync_timers(session, case, workflow, now)
        acuity = workflow.acuity
        if isinstance(acuity, str) and acuity != case.acuity:
            self._audit(session, case.id, "engine", "acuity_set", f"acuity set to {acuity}",
                        data={"from": case.acuity, "to": acuity})
            case.acuity = acuity
        stage = workflow.stage(case.stage)
        if stage != case.stage:
            self._audit(session, case.id, "engine", "stage_changed", f"stage {case.stage} → {stage}",
                        data={"from": case.stage, "to": stage})
            self._record(session, case.id, "stage_change", f"Stage: {stage.replace('_', ' ')}", "engine",
                         {"from": case.stage, "to": stage})
            case.stage = stage
        if stage in CLOSED_STAGES and case.closed_at is None:
            case.closed_at = now  # follow-up after closure runs on a closed case
        if workflow.completed and case.status == "active":
            case.status = "completed"
            case.closed_at = case.closed_at or now
        state = workflow.dump()
        row = session.get(WorkflowState, case.id)
        if row is None:
            session.add(WorkflowState(case_id=case.id, state=state, size=len(state), updated_at=now))
        else:
            row.state, row.size, row.updated_at = state, len(state), now
        case.updated_at = now
        case.lock_version = (case.lock_version or 0) + 1
        try:
            session.flush()
        except StaleDataError:
            raise Conflict(f"case {case.id} was changed by someone else; reload and try again") from None

    def _sync_tasks(self, session: Session, case: Case, workflow: CaseWorkflow, now: datetime,
                    task_base: datetime) -> None:
        ready = {t.id: t for t in workflow.ready_user_tasks()}
        open_rows = {row.id: row for row in session.scalars(
            select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.state == "open"))}
        for task_id, row in open_rows.items():
            if task_id not in ready:
                row.state, row.completed_at = "cancelled", now
                self._audit(session, case.id, "engine", "task_cancelled",
                            f"task '{row.name}' was withdrawn by the process", row.bpmn_id)
        for task_id, info in ready.items():
            if task_id in open_rows:
                continue
            assignee = {"case_manager": case.case_manager_id, "supervisor": case.supervisor_id}.get(info.lane)
            session.add(HumanTask(id=task_id, case_id=case.id, bpmn_id=info.bpmn_id, name=info.name,
                                  lane=info.lane, team=case.team, form=info.form, state="open",
                                  assignee_id=assignee, due_at=due_from(task_base, info.due_in), created_at=now))
            self._audit(session, case.id, "engine", "task_created",
                        f"task '{info.name}' opened for lane {info.lane}", info.bpmn_id,
                        {"task_id": task_id, "lane": info.lane, "form": info.form})

    def _sync_timers(self, session: Session, case: Case, workflow: CaseWorkflow, now: datetime) -> None:
        waiting = {t.id: t for t in workflow.waiting_timers(now)}
        rows = {row.id: row for row in session.scalars(select(Timer).where(Timer.case_id == case.id))}
        for timer_id, row in rows.items():
            if timer_id not in waiting:
                session.delete(row)
                if row.due_at > now:
                    self._audit(session, case.id, "engine", "timer_cancelled",
                                f"timer '{row.name}' is no longer needed", row.bpmn_id, {"timer_id": timer_id})
        for timer_id, info in waiting.items():
            row = rows.get(timer_id)
            if row is None:
                session.add(Timer(id=timer_id, case_id=case.id, bpmn_id=info.bpmn_id, name=info.name,
                                  kind=info.kind, due_at=info.due_at, created_at=now))
                self._audit(session, case.id, "engine", "timer_scheduled",
                            f"timer '{info.name}' set for {info.due_at.isoformat()}", info.bpmn_id,
                            {"timer_id": timer_id, "due_at": info.due_at.isoformat()})
            elif row.due_at != info.due_at:
                row.due_at = info.due_at

    # ------------------------------------------------------------------ process models
    def deploy(self, files: list[tuple[str, bytes]], deployed_by: str):
        with self.transaction() as session:
            result = self.models.deploy(session, files, deployed_by)
            for version in result.created:
                self._audit(session, None, deployed_by, "process_deployed",
                            f"deployed {version.model_id} version {version.version}",
                            data={"model": version.model_id, "version": version.version,
                                  "hash": version.content_hash})
            return result

    def deploy_path(self, path, deployed_by: str):
        return self.deploy(read_path(path), deployed_by)

    def process_versions(self) -> list[dict]:
        with self.transaction() as session:
            counts = dict(session.execute(select(Case.process_version_id, func.count())
                                          .where(Case.status != "completed")
                                          .group_by(Case.process_version_id)).all())
            return [_version_view(v, counts.get(v.id, 0)) for v in self.models.list_versions(session)]

    # ------------------------------------------------------------------ users
    def add_user(self, username: str, password: str, roles: list[str], team: str | None = None,
                 display_name: str = "") -> Actor:
        with self.transaction() as session:
            return Actor.of(self.identity.add_user(session, username, password, roles, team, display_name))

    def login(self, username: str, password: str) -> str | None:
        with self.transaction() as session:
            user = self.identity.authenticate(session, username, password)
            if user is None:
                return None
            self._audit(session, None, user.username, "login", f"{user.username} signed in")
            return self.identity.issue_token(session, user)

    def actor_for_token(self, token: str) -> Actor | None:
        with self.sessions() as session:
            user = self.identity.user_for_token(session, token)
            return Actor.of(user) if user else None

    def logout(self, token: str) -> None:
        with self.transaction() as session:
            self.identity.revoke_token(session, token)

    def actor(self, username: str) -> Actor | None:
        with self.sessions() as session:
            user = self.identity.get(session, username)
            return Actor.of(user) if user else None

    # ------------------------------------------------------------------ cases
    def open_case(self, actor: Actor, client: dict, program: str | None = None,
                  team: str | None = None, model_id: str | None = None) -> dict:
        if not (access.has_role(actor, "intake") or access.has_role(actor, "case_manager")
                or access.has_role(actor, "supervisor") or access.has_role(actor, "admin")):
            raise Forbidden("your role may not open cases")
        client_row = _client_from(client, self.clock.now())
        with self.transaction() as session:
            version = self.models.latest(session, model_id or self.case_process)
            session.add(client_row)
            session.flush()
            case, workflow = self._start_case(
                session, client_row, version, actor.username, program, team or actor.team,
                actor.id if access.has_role(actor, "case_manager") else None)
            return self._case_view(session, case, workflow)

    def _start_case(self, session: Session, client_row: Client, version, opened_by: str, program: str | None,
                    team: str | None, case_manager_id: int | None,
                    previous_case_id: int | None = None) -> tuple[Case, CaseWorkflow]:
        now = self.clock.now()
        case = Case(client_id=client_row.id, program=program, team=team, stage="screening",
                    status="active", opened_by=opened_by, opened_at=now, process_version_id=version.id,
                    updated_at=now, case_manager_id=case_manager_id, previous_case_id=previous_case_id)
        session.add(case)
        session.flush()
        self._audit(session, case.id, opened_by, "case_opened",
                    f"case opened on {version.model_id} version {version.version}"
                    + (f", re-entry after case {previous_case_id}" if previous_case_id else ""),
                    data={"model": version.model_id, "version": version.version,
                          "previous_case_id": previous_case_id})
        self._record(session, case.id, "referral", "Case opened" if not previous_case_id else
                     f"Re-entry after case {previous_case_id}", opened_by,
                     {"client": _client_view(client_row), "program": program,
                      "previous_case_id": previous_case_id})
        spec, subprocess_specs = self.models.specs(session, version.id)
        with using_clock(self.clock):
            workflow = CaseWorkflow.start(spec, subprocess_specs, self.script_engine,
                                          {"case_id": case.id, "program": program,
                                           "client": _client_data(client_row)})
            try:
                workflow.run_engine()
            except ScriptFailed as failure:
                case.status, case.error = "error", f"{failure.bpmn_id}: {failure.message}"
                self._audit(session, case.id, "engine", "script_error", case.error, failure.bpmn_id)
            self._persist(session, case, workflow, opened_by)
        return case, workflow

    def _open_linked_case(self, session: Session, case: Case, model_id: str, actor: str) -> None:
        """Re-entry (NASW Std 6): a new screening for the same client, linked to the closed case."""
        version = self.models.latest(session, model_id)
        new_case, _ = self._start_case(session, case.client, version, actor, case.program, case.team,
                                       case.case_manager_id, previous_case_id=case.id)
        self._audit(session, case.id, "engine", "reentry", f"re-entry: case {new_case.id} opened for the client",
                    data={"case_id": new_case.id})
        self._record(session, case.id, "reentry", f"Re-entry: new case {new_case.id}", actor,
                     {"case_id": new_case.id})

    def _record_entries(self, session: Session, case_id: int, kinds: list[str] | None = None) -> list[dict]:
        query = select(RecordEntry).where(RecordEntry.case_id == case_id)
        if kinds is not None:
            query = query.where(RecordEntry.kind.in_(kinds))
        entries = [self._entry_view(e) for e in session.scalars(query.order_by(RecordEntry.recorded_at, RecordEntry.id))]
        corrected_by = {e["corrects"]: e["id"] for e in entries if e["corrects"]}
        for entry in entries:
            entry["corrected_by"] = corrected_by.get(entry["id"])
        return entries

    def _release_entries(self, session: Session, case_id: int) -> list[dict]:
        """Only the entries of forms that carry releases: the record grows with every contact,
        and reading all of it on each step would make a long case slower with time."""
        kinds = [name for name in self.forms.names() if "releases" in self.forms.get(name).schema.get("properties", {})]
        return self._record_entries(session, case_id, kinds) if kinds else []

    def _check_record_rules(self, session: Session, case_id: int, data: dict) -> None:
        if not data.get("referrals") and not data.get("participants") and not data.get("releases"):
            return
        found = record_rules.problems(data, self._release_entries(session, case_id), self.clock.now().date())
        if found:
            raise InvalidData("the form breaks a rule of practice; see details", found)

    def _visible_case(self, session: Session, actor: Actor, case_id: int, lock: bool = False) -> Case:
        case = self._lock_case(session, case_id) if lock else session.get(Case, case_id)
        if case is None or not access.can_see_case(actor, case):
            raise NotFound(f"case {case_id} not found")
        return case

    def get_case(self, actor: Actor, case_id: int) -> dict:
        with self.transaction() as session:
            case = self._visible_case(session, actor, case_id)
            return self._case_view(session, case, self._load(session, case))

    def list_cases(self, actor: Actor, stage: str | None = None, assigned_to: str | None = None,
                   q: str | None = None, limit: int = 100, offset: int = 0) -> list[dict]:
        with self.transaction() as session:
            query = select(Case).join(Client)
            visible = access.case_filter(actor)
            if visible is not None:
                query = query.where(visible)
            if stage:
                query = query.where(Case.stage == stage)
            if assigned_to:
                username = actor.username if assigned_to == "me" else assigned_to
                query = query.join(User, User.id == Case.case_manager_id).where(User.username == username)
            if q:
                like = f"%{q.lower()}%"
                query = query.where(or_(func.lower(Client.last_name).like(like),
                                        func.lower(Client.first_name).like(like)))
            query = query.order_by(Case.id.desc()).limit(min(limit, 500)).offset(offset)
            return [self._case_summary(case) for case in session.scalars(query).unique()]

    def _case_summary(self, case: Case) -> dict:
        return {
            "id": case.id, "client": _client_view(case.client), "stage": case.stage, "status": case.status,
            "program": case.program, "team": case.team,
            "case_manager": case.case_manager.username if case.case_manager else None,
            "supervisor": case.supervisor.username if case.supervisor else None,
            "acuity": case.acuity, "opened_at": _iso(case.opened_at), "closed_at": _iso(case.closed_at),
            "version": case.lock_version,
        }

    def _case_view(self, session: Session, case: Case, workflow: CaseWorkflow) -> dict:
        view = self._case_summary(case)
        version = case.process_version
        tasks = session.scalars(select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.state == "open")
                                .order_by(HumanTask.created_at, HumanTask.id))
        timers = session.scalars(select(Timer).where(Timer.case_id == case.id).order_by(Timer.due_at))
        view.update({
            "error": case.error,
            "process": {"model": version.model_id, "version": version.version,
                        "active_elements": workflow.active_element_ids()},
            "tasks": [_task_view(t) for t in tasks],
            "timers": [{"id": t.id, "bpmn_id": t.bpmn_id, "name": t.name, "kind": t.kind,
                        "due_at": _iso(t.due_at)} for t in timers],
            "previous_case_id": case.previous_case_id,
            "next_case_id": session.scalar(select(Case.id).where(Case.previous_case_id == case.id)
                                           .order_by(Case.id.desc()).limit(1)),
            "consents": record_rules.releases_on_file(self._release_entries(session, case.id),
                                                      self.clock.now().date()),
        })
        return view

    def timeline(self, actor: Actor, case_id: int) -> list[dict]:
        with self.transaction() as session:
            self._visible_case(session, actor, case_id)
            return self._record_entries(session, case_id)

    def add_record_entry(self, actor: Actor, case_id: int, kind: str, data: dict) -> dict:
        """A signed entry written directly to the record: a contact, a supervision note, ..."""
        entry_kind = ENTRY_KINDS.get(kind)
        if entry_kind is None:
            raise InvalidData(f"unknown record entry kind {kind!r}",
                              [{"field": "kind", "message": f"one of: {', '.join(ENTRY_KINDS)}"}])
        if not any(access.has_role(actor, role) for role in (*entry_kind.roles, "admin")):
            raise Forbidden(f"your role may not add a {entry_kind.title.lower()} to the record")
        self.forms.validate(entry_kind.form, data)
        with self.transaction() as session:
            self._visible_case(session, actor, case_id)
            entry = self._record(session, case_id, kind, entry_kind.title, actor.username, data)
            session.flush()
            self._audit(session, case_id, actor.username, "record_entry_added",
                        f"{actor.username} added a {entry_kind.title.lower()} to the record",
                        data={"entry_id": entry.id, "kind": kind})
            return self._entry_view(entry)

    def correct_record_entry(self, actor: Actor, case_id: int, entry_id: int, data: dict, reason: str) -> dict:
        """A correction: a new signed entry pointing at the old one, which stays as it was."""
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidData("a correction needs a reason", [{"field": "reason", "message": "this field is required"}])
        with self.transaction() as session:
            self._visible_case(session, actor, case_id)
            original = session.get(RecordEntry, entry_id)
            if original is None or original.case_id != case_id:
                raise NotFound(f"record entry {entry_id} not found on case {case_id}")
            if original.author != actor.username and not (access.has_role(actor, "supervisor")
                                                          or access.has_role(actor, "admin")):
                raise Forbidden("only the author or a supervisor may correct an entry")
            corrected_already = session.scalar(select(RecordEntry.id).where(RecordEntry.corrects_id == entry_id))
            if corrected_already:
                raise Conflict(f"entry {entry_id} was already corrected by entry {corrected_already}; "
                               f"correct that one instead")
            form = ENTRY_KINDS[original.kind].form if original.kind in ENTRY_KINDS else (
                original.kind if original.kind in self.forms else None)
            self.forms.validate(form, data)
            entry = self._record(session, case_id, original.kind, f"Correction: {original.title}", actor.username,
                                 {**data, "correction_reason": reason.strip()}, original.bpmn_id,
                                 corrects_id=original.id)
            session.flush()
            self._audit(session, case_id, actor.username, "record_entry_corrected",
                        f"{actor.username} corrected record entry {entry_id}: {reason.strip()}",
                        data={"entry_id": entry.id, "corrects": entry_id})
            return self._entry_view(entry)

    @staticmethod
    def _task_view(task: HumanTask) -> dict:
        return _task_view(task)

    @staticmethod
    def _entry_view(e: RecordEntry) -> dict:
        return {"id": e.id, "kind": e.kind, "title": e.title, "author": e.author,
                "recorded_at": _iso(e.recorded_at), "signed_at": _iso(e.signed_at),
                "bpmn_id": e.bpmn_id, "data": e.data, "corrects": e.corrects_id}

    def audit(self, actor: Actor, case_id: int) -> list[dict]:
        if not (access.has_role(actor, "supervisor") or access.has_role(actor, "admin")):
            raise Forbidden("only supervisors and administrators may read the audit trail")
        with self.transaction() as session:
            self._visible_case(session, actor, case_id)
            events = session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id)
                                     .order_by(AuditEvent.id))
            return [{"id": e.id, "at": _iso(e.at), "actor": e.actor, "kind": e.kind, "bpmn_id": e.bpmn_id,
                     "message": e.message, "data": e.data} for e in events]

    # ------------------------------------------------------------------ tasks
    def list_tasks(self, actor: Actor, scope: str = "all", limit: int = 200, offset: int = 0) -> list[dict]:
        if scope not in ("mine", "available", "all"):
            raise BadRequest("scope must be mine, available or all")
        with self.transaction() as session:
            query = select(HumanTask).join(Case, Case.id == HumanTask.case_id).where(HumanTask.state == "open")
            if scope == "mine":
                query = query.where(HumanTask.assignee_id == actor.id)
            else:
                visible = access.task_filter(actor)
                if visible is not None:
                    query = query.where(visible)
                if scope == "available":
                    lanes = [r for r in actor.roles if r != "admin"] or list(actor.roles)
                    query = query.where(HumanTask.assignee_id.is_(None))
                    if not access.has_role(actor, "admin"):
                        query = query.where(HumanTask.lane.in_(lanes))
            query = query.order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at)
            return [_task_view(t) for t in session.scalars(query.limit(min(limit, 1000)).offset(offset))]

    def _visible_task(self, session: Session, actor: Actor, task_id: str) -> HumanTask:
        task = session.get(HumanTask, task_id, populate_existing=True)
        if task is None or not (access.can_see_case(actor, task.case) or task.assignee_id == actor.id):
            raise NotFound(f"task {task_id} not found")
        return task

    def get_task(self, actor: Actor, task_id: str) -> dict:
        with self.transaction() as session:
            task = self._visible_task(session, actor, task_id)
            view = _task_view(task)
            form = self.forms.get(task.form) if task.form in self.forms else None
            view["schema"] = form.schema if form else {}
            view["ui_schema"] = form.ui_schema if form else {}
            data = {}
            if task.state == "open":
                workflow = self._load(session, task.case)
                data = _prefill(workflow.task_data(task.id), form.schema if form else {})
            draft = self._draft(session, actor, task.id) if task.state == "open" else None
            view["draft_saved_at"] = _iso(draft.saved_at) if draft else None
            view["data"] = {**data, **draft.data} if draft else data
            delegation = session.get(TaskDelegation, task.id)
            view["delegated_by"] = delegation.owner.username if delegation else None
            view["case"] = self._case_summary(task.case)
            return view

    def _open_task_for_change(self, session: Session, actor: Actor, task_id: str) -> HumanTask:
        task = self._visible_task(session, actor, task_id)
        self._lock_case(session, task.case_id)
        session.refresh(task)
        if task.state != "open":
            raise Conflict(f"task '{task.name}' is no longer open (it was {task.state})")
        return task

    def claim(self, actor: Actor, task_id: str) -> dict:
        with self.transaction() as session:
            task = self._open_task_for_change(session, actor, task_id)
            if not access.can_work_lane(actor, task.lane):
                raise Forbidden(f"task '{task.name}' is in the {task.lane} lane; your role cannot claim it")
            if task.assignee_id not in (None, actor.id):
                raise Conflict(f"task '{task.name}' is already claimed by {task.assignee.username}")
            task.assignee_id = actor.id
            self._adopt_case(task.case, actor, task.lane)
            self._audit(session, task.case_id, actor.username, "task_claimed", f"claimed '{task.name}'",
                        task.bpmn_id, {"task_id": task.id})
            session.flush()
            session.refresh(task)
            return _task_view(task)

    def unclaim(self, actor: Actor, task_id: str) -> dict:
        with self.transaction() as session:
            task = self._open_task_for_change(session, actor, task_id)
            supervising = access.has_role(actor, "supervisor") or access.has_role(actor, "admin")
            if task.assignee_id != actor.id and not supervising:
                raise Forbidden(f"task '{task.name}' is not yours to release")
            task.assignee_id = None
            self._audit(session, task.case_id, actor.username, "task_unclaimed", f"released '{task.name}'",
                        task.bpmn_id, {"task_id": task.id})
            session.flush()
            session.refresh(task)
            return _task_view(task)

    def assign(self, actor: Actor, task_id: str, username: str) -> dict:
        if not (access.has_role(actor, "supervisor") or access.has_role(actor, "admin")):
            raise Forbidden("only supervisors and administrators may assign tasks")
        with self.transaction() as session:
            task = self._open_task_for_change(session, actor, task_id)
            assignee = self._user_who_can_take(session, actor, task, username)
            assignee_actor = Actor.of(assignee)
            previous = task.assignee.username if task.assignee else None
            task.assignee_id = assignee.id
            delegation = session.get(TaskDelegation, task.id)
            if delegation is not None:  # a supervisor's reassignment ends any delegation
                session.delete(delegation)
            self._adopt_case(task.case, assignee_actor, task.lane)
            self._audit(session, task.case_id, actor.username, "task_assigned",
                        f"assigned '{task.name}' to {username}", task.bpmn_id,
                        {"task_id": task.id, "from": previous, "to": username})
            session.flush()
            session.refresh(task)
            return _task_view(task)

    def _user_who_can_take(self, session: Session, actor: Actor, task: HumanTask, username: str) -> User:
        """The active user `username`, if they hold the task's lane and (unless an admin is
        asking) are on the case's team; otherwise a 422 saying which."""
        user = self.identity.get(session, username)
        if user is None or not user.active:
            raise InvalidData("no such user", [{"field": "username", "message": f"no user '{username}'"}])
        if not access.can_work_lane(Actor.of(user), task.lane):
            raise InvalidData("that user cannot work this task",
                              [{"field": "username", "message": f"{username} does not hold the role "
                                                                f"'{task.lane}' this task needs"}])
        if not access.has_role(actor, "admin") and user.team != task.case.team:
            raise InvalidData("that user is not on the case's team",
                              [{"field": "username", "message": f"{username} is not on team {task.case.team}"}])
        return user

    def _adopt_case(self, case: Case, actor: Actor, lane: str | None) -> None:
        """The first case manager (or supervisor) to take on a case's work becomes its owner."""
        if lane == "case_manager" and case.case_manager_id is None and access.has_role(actor, "case_manager"):
            case.case_manager_id = actor.id
        if lane == "supervisor" and case.supervisor_id is None and access.has_role(actor, "supervisor"):
            case.supervisor_id = actor.id

    def complete(self, actor: Actor, task_id: str, data: dict, expected_version: int | None = None) -> dict:
        with self.transaction() as session:
            task = self._visible_task(session, actor, task_id)
            if not access.can_work_lane(actor, task.lane):
                raise Forbidden(f"task '{task.name}' is in the {task.lane} lane; your role cannot complete it")
            if task.state != "open":  # a stale or double completion: say so before judging the answers
                raise Conflict(f"task '{task.name}' was already {task.state}")
            self.forms.validate(task.form, data)
            self._check_record_rules(session, task.case_id, data)
            case = self._lock_case(session, task.case_id)
            session.refresh(task)
            if task.state != "open":
                raise Conflict(f"task '{task.name}' was already {task.state}")
            if task.assignee_id not in (None, actor.id):
                raise Conflict(f"task '{task.name}' is claimed by {task.assignee.username}")
            if expected_version is not None and expected_version != case.lock_version:
                raise Conflict(f"case {case.id} changed since you loaded it (version {expected_version}, "
                               f"now {case.lock_version}); reload and try again")
            self._adopt_case(case, actor, task.lane)
            task.state, task.completed_at, task.completed_by = "completed", self.clock.now(), actor.username
            task.assignee_id = actor.id
            for leftover in (FormDraft, TaskFollowUp, TaskDelegation):
                session.execute(leftover.__table__.delete().where(leftover.__table__.c.task_id == task.id))

            def step(workflow: CaseWorkflow) -> None:
                workflow.events.append(StepEvent("task_completed", f"{actor.username} completed '{task.name}'",
                                                 task.bpmn_id, {"task_id": task.id, "data": data}))
                workflow.complete_user_task(task.id, data)

            self._record(session, case.id, task.form or "task", task.name, actor.username, data, task.bpmn_id)
            workflow = self._run(session, case, actor.username, step)
            next_tasks = [_task_view(t) for t in session.scalars(
                select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.state == "open"))]
            return {"case": self._case_view(session, case, workflow), "next_tasks": next_tasks}

    # ------------------------------------------------------------------ timers
    def fire_due_timers(self, limit: int | None = None) -> int:
        """Fire every timer due now, one case per transaction. Returns how many fired.

        Several workers may run this at once: each claims a case with
        FOR UPDATE SKIP LOCKED (PostgreSQL), and a timer's row is deleted in the
        same transaction that advances its case, so each timer fires once."""
        fired = 0
        skipped: set[int] = set()
        while limit is None or fired < limit:
            now = self.clock.now()
            with self.transaction() as session:
                due_cases = (select(Timer.case_id).where(Timer.due_at <= now)
                             .where(Timer.case_id.not_in(skipped) if skipped else True)
                             .order_by(Timer.due_at).limit(50))
                query = (select(Case).where(Case.id.in_(due_cases.scalar_subquery()), Case.status == "active")
                         .order_by(Case.id).limit(1))
                if self.is_postgres:
                    query = query.with_for_update(of=Case, skip_locked=True)
                case = session.scalar(query.execution_options(populate_existing=True))
                if case is None:
                    stuck = session.scalar(select(Timer.case_id).where(Timer.due_at <= now)
                                           .where(Timer.case_id.not_in(skipped) if skipped else True).limit(1))
                    if stuck is None:
                        break
                    skipped.add(stuck)  # locked by another worker, or its case is stopped
                    continue
                count = self._fire_case_timers(session, case, now)
                if count == 0:
                    skipped.add(case.id)  # nothing would fire: do not pick it again this run
                fired += count
        return fired

    def _fire_case_timers(self, session: Session, case: Case, now: datetime) -> int:
        """Fire the case's due timers one at a time, earliest first, each as of the instant it
        fell due: after downtime the case catches up in the order things would have happened
        (a contact that fell due before the reassessment is opened before it, the timers a
        step schedules count from when it should have run, and tasks are due relative to
        that), while the record and audit are stamped with the real time."""
        fired = 0
        for _ in range(MAX_TIMER_STEPS_PER_CASE):
            timer = session.scalar(select(Timer).where(Timer.case_id == case.id, Timer.due_at <= now)
                                   .order_by(Timer.due_at, Timer.id).limit(1))
            if timer is None or case.status != "active":
                break
            timer_id, due_at = timer.id, timer.due_at

            def step(workflow: CaseWorkflow) -> None:
                nonlocal fired
                if workflow.fire_timer(timer_id, due_at):
                    fired += 1

            self._run(session, case, "engine", step, task_base=due_at, as_of=FixedClock(due_at))
            session.flush()
            if session.get(Timer, timer_id) is not None:  # still waiting after its step: leave it to a later run
                break
        return fired

    def due_timer_count(self) -> int:
        with self.sessions() as session:
            return session.scalar(select(func.count()).select_from(Timer).where(Timer.due_at <= self.clock.now()))


# ---------------------------------------------------------------------- views
def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _client_from(client: dict, now: datetime) -> Client:
    if not isinstance(client, dict):
        raise InvalidData("client must be an object", [{"field": "client", "message": "expected an object"}])
    problems = []
    for name in ("first_name", "last_name"):
        if not isinstance(client.get(name), str) or not client.get(name).strip():
            problems.append({"field": f"client/{name}", "message": "this field is required"})
    birth = client.get("birth_date")
    birth_date = None
    if birth not in (None, ""):
        try:
            birth_date = date.fromisoformat(str(birth))
            if birth_date > now.date():
                problems.append({"field": "client/birth_date", "message": "birth date is in the future"})
        except ValueError:
            problems.append({"field": "client/birth_date", "message": "use a date like 1950-04-23"})
    if problems:
        raise InvalidData("the client is not valid", problems)
    return Client(first_name=client["first_name"].strip(), last_name=client["last_name"].strip(),
                  birth_date=birth_date, preferred_language=client.get("preferred_language"), created_at=now)


def _client_view(client: Client) -> dict:
    return {"first_name": client.first_name, "last_name": client.last_name,
            "birth_date": _iso(client.birth_date), "preferred_language": client.preferred_language}


def _client_data(client: Client) -> dict:
    return _client_view(client)


def _task_view(task: HumanTask) -> dict:
    return {"id": task.id, "case_id": task.case_id, "name": task.name, "bpmn_id": task.bpmn_id,
            "lane": task.lane, "assignee": task.assignee.username if task.assignee else None,
            "due_at": _iso(task.due_at), "created_at": _iso(task.created_at), "form": task.form,
            "state": task.state}


def _prefill(data: dict, schema: dict) -> dict:
    """Values already in the case for the form's fields (a revision starts from the last answers)."""
    fields = (schema or {}).get("properties", {})
    return {key: data[key] for key in fields if key in data}


def _version_view(version, running: int) -> dict:
    return {"id": version.model_id, "version": version.version, "name": version.name,
            "deployed_at": _iso(version.deployed_at), "deployed_by": version.deployed_by,
            "content_hash": version.content_hash, "running_cases": running,
            "files": [f.filename for f in version.files]}
