"""Running one step of a case: load its workflow once, step it, write what changed.

Every service that moves a case (opening it, completing a task, firing a timer,
migrating it) goes through here, so each step loads the workflow once, stops the
case with a named incident when the diagram's own script fails, and opens the
linked case a re-entry path asks for.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from sqlalchemy.orm import Session

from ..clock import Clock, using_clock
from ..definitions.catalog import ProcessCatalog
from ..definitions.checks import all_task_specs
from ..definitions.extensions import instructions_of, properties, purpose_of
from ..definitions.forms import FormCatalog, form_name
from ..errors import Conflict, StepFailed
from ..runtime.workflow import CaseWorkflow, ScriptFailed
from ..store import process_versions
from ..store.models import Case, Client, ProcessVersion
from ..store.unit_of_work import UnitOfWork
from ..views.rows import client_view


class CaseRunner:
    def __init__(self, catalog: ProcessCatalog, script_engine, clock: Clock):
        self.catalog = catalog
        self.script_engine = script_engine
        self.clock = clock
        self._files_by_version: dict[int, tuple[str, list]] = {}
        self._purposes: dict[int, dict[str, str]] = {}
        self._instructions: dict[int, dict[str, str]] = {}
        self._names: dict[int, dict[str, str]] = {}
        self._ui_files: dict[int, dict[str, str]] = {}

    def _files(self, session: Session, version_id: int) -> tuple[str, list]:
        """(model id, files) of a version (versions never change, so their files are read once)."""
        known = self._files_by_version.get(version_id)
        if known is None:
            row = session.get(ProcessVersion, version_id)
            known = (row.model_id, process_versions.files_of(row))
            self._files_by_version[version_id] = known
        return known

    def specs(self, session: Session, version_id: int) -> tuple:
        """A version's parsed specs."""
        return self.catalog.specs(*self._files(session, version_id))

    def forms(self, session: Session, version_id: int) -> FormCatalog:
        """The forms a version's tasks use: the model's own form files first, then forms/."""
        return self.catalog.forms_of(self._files(session, version_id)[1])

    def ui_schema_file(self, session: Session, version_id: int, bpmn_id: str) -> str | None:
        """The UI schema file a task names (SpiffArena's formUiSchemaFilename), if it names one."""
        if version_id not in self._ui_files:
            spec, subprocess_specs = self.specs(session, version_id)
            self._ui_files[version_id] = {
                task_spec.bpmn_id: name for _, task_spec in all_task_specs(spec, subprocess_specs)
                if getattr(task_spec, "bpmn_id", None) and (name := properties(task_spec).get("formUiSchemaFilename"))}
        return self._ui_files[version_id].get(bpmn_id)

    def purposes(self, session: Session, version_id: int) -> dict[str, str]:
        """bpmn id -> purpose for the elements of a version that have one (versions never change)."""
        if version_id not in self._purposes:
            spec, subprocess_specs = self.specs(session, version_id)
            self._purposes[version_id] = {
                task_spec.bpmn_id: purpose for _, task_spec in all_task_specs(spec, subprocess_specs)
                if getattr(task_spec, "bpmn_id", None) and (purpose := purpose_of(task_spec))}
        return self._purposes[version_id]

    def instructions(self, session: Session, version_id: int, bpmn_id: str) -> str | None:
        """What the diagram tells the person doing a task: its instructions or documentation."""
        if version_id not in self._instructions:
            spec, subprocess_specs = self.specs(session, version_id)
            self._instructions[version_id] = {
                task_spec.bpmn_id: text for _, task_spec in all_task_specs(spec, subprocess_specs)
                if getattr(task_spec, "bpmn_id", None) and (text := instructions_of(task_spec))}
        return self._instructions[version_id].get(bpmn_id)

    def element_names(self, session: Session, version_id: int) -> dict[str, str]:
        """bpmn id -> what a reader calls the element: its name in the diagram, or for an
        unnamed one what it is doing ("waiting for steps running side by side")."""
        if version_id not in self._names:
            spec, subprocess_specs = self.specs(session, version_id)
            self._names[version_id] = {
                task_spec.bpmn_id: getattr(task_spec, "bpmn_name", None) or _unnamed(task_spec)
                for _, task_spec in all_task_specs(spec, subprocess_specs)
                if getattr(task_spec, "bpmn_id", None)}
        return self._names[version_id]

    def start_form(self, session: Session, version_id: int) -> str | None:
        """The form a version's start event asks for (its start data), if it has one."""
        spec, _ = self.specs(session, version_id)
        for start_event in spec.start.outputs:
            name = form_name(properties(start_event).get("formJsonSchemaFilename"))
            if name:
                return name
        return None

    def load(self, uow: UnitOfWork, case: Case) -> CaseWorkflow:
        spec, subprocess_specs = self.specs(uow.session, case.process_version_id)
        return CaseWorkflow.load(uow.workflow_state(case.id), spec, subprocess_specs, self.script_engine)

    def run(self, uow: UnitOfWork, case: Case, actor: str, step: Callable[[CaseWorkflow], None],
            task_base: datetime | None = None, as_of: Clock | None = None,
            refuse_on_failure: bool = False, retrying: bool = False) -> CaseWorkflow:
        """Run `step(workflow)` on the case and write everything it changed.

        `task_base` is when the step should have happened (a timer's due time): tasks it opens
        are due relative to that, so a timer fired late still shows its task as overdue.
        When the diagram's own code fails, a person's step is refused (StepFailed: the caller's
        transaction rolls back, nothing changes); an engine step (a timer, a message) stops the
        case with an incident instead, since nobody is there to be told."""
        with using_clock(as_of or self.clock):
            if case.status == "error" and not retrying:
                raise Conflict(f"case {case.id} is stopped by an incident at '{case.error_element_id}' "
                               f"({case.error}); a supervisor or administrator must retry it")
            workflow = self.load(uow, case)
            self._step(uow, case, workflow, step, refuse_on_failure)
            self.save(uow, case, workflow, actor, task_base)
        return workflow

    def save(self, uow: UnitOfWork, case: Case, workflow: CaseWorkflow, actor: str,
             task_base: datetime | None = None) -> None:
        """Write the step, then act on what it asked for (a linked case to open)."""
        linked = [e for e in workflow.events if e.kind == "open_linked_case"]
        uow.save_step(case, workflow, actor, task_base)
        workflow.events.clear()
        for event in linked:
            self._open_linked_case(uow, case, event.data["model"], actor)

    def _step(self, uow: UnitOfWork, case: Case, workflow: CaseWorkflow, step,
              refuse_on_failure: bool = False) -> None:
        try:
            step(workflow)
        except ScriptFailed as failure:
            if refuse_on_failure:
                raise StepFailed(failure.bpmn_id, failure.message) from failure
            # An incident: this one case stops with the element and the reason; what came
            # before is kept, nothing past the failing element runs until someone retries.
            case.status = "error"
            case.error = failure.message
            case.error_element_id = failure.bpmn_id
            case.error_at = self.clock.now()
            uow.audit(case.id, "engine", "incident", f"{failure.bpmn_id or 'the process'}: {failure.message}",
                      failure.bpmn_id, data={"element_id": failure.bpmn_id, "message": failure.message})

    def start(self, uow: UnitOfWork, client: Client | None, version: ProcessVersion, opened_by: str,
              program: str | None, team: str | None, case_manager_id: int | None,
              previous_case_id: int | None = None, variables: dict | None = None,
              stage: str = "screening", supervisor_id: int | None = None,
              title: str | None = None) -> tuple[Case, CaseWorkflow]:
        """A new case of `version` for the client; `stage` is where it stands before its diagram
        says otherwise (a referral is screened first; a quality review is a review from the start).
        Only oversight has no client (a supervision session is about a case manager)."""
        now = self.clock.now()
        case = Case(client_id=client.id if client else None, program=program, team=team, stage=stage,
                    status="active", opened_by=opened_by, opened_at=now, process_version_id=version.id,
                    updated_at=now, case_manager_id=case_manager_id, supervisor_id=supervisor_id,
                    previous_case_id=previous_case_id)
        uow.add_case(case)
        uow.audit(case.id, opened_by, "case_opened",
                  f"case opened on {version.model_id} version {version.version}"
                  + (f", re-entry after case {previous_case_id}" if previous_case_id else ""),
                  data={"model": version.model_id, "version": version.version, "previous_case_id": previous_case_id})
        client_data = client_view(client) if client else None
        uow.record(case.id, "referral", title or ("Case opened" if not previous_case_id else
                                                  f"Re-entry after case {previous_case_id}"), opened_by,
                   {"client": client_data, "program": program, "previous_case_id": previous_case_id,
                    **({"start_data": variables} if variables else {})})
        spec, subprocess_specs = self.specs(uow.session, version.id)
        with using_clock(self.clock):
            workflow = CaseWorkflow.start(spec, subprocess_specs, self.script_engine,
                                          {**(variables or {}), "case_id": case.id, "program": program,
                                           "client": client_data})
            self._step(uow, case, workflow, CaseWorkflow.run_engine)
            self.save(uow, case, workflow, opened_by)
        return case, workflow

    def _open_linked_case(self, uow: UnitOfWork, case: Case, model_id: str, actor: str) -> None:
        """Re-entry (NASW Std 6): a new screening for the same client, linked to the closed case."""
        version = process_versions.latest(uow.session, model_id)
        new_case, _ = self.start(uow, case.client, version, actor, case.program, case.team,
                                 case.case_manager_id, previous_case_id=case.id)
        uow.audit(case.id, "engine", "reentry", f"re-entry: case {new_case.id} opened for the client",
                  data={"case_id": new_case.id})
        uow.record(case.id, "reentry", f"Re-entry: new case {new_case.id}", actor, {"case_id": new_case.id})


# How a page names an element the diagram left without a name, by what it is.
_UNNAMED = {"ParallelGateway": "waiting for steps running side by side",
            "InclusiveGateway": "waiting for steps running side by side",
            "ExclusiveGateway": "a decision", "EventBasedGateway": "waiting for whichever comes first"}


def _unnamed(task_spec) -> str:
    kind = type(task_spec).__name__
    return _UNNAMED.get(kind) or ("waiting for a timer or message" if "Event" in kind else "a step")
