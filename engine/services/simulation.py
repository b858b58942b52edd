"""Simulate a process model (a draft or a version) on a sample case before deploying it.

Nothing is stored: the workflow runs in memory on a clock of its own. The caller gives
the whole list of actions each time (answer a task, let time pass) and the run is
replayed from the start, so a simulation is repeatable and shareable. The result is
the path taken (with the simulated time of each step), the open tasks with their
lanes, forms and due dates, the waiting timers and the stage.
"""
from __future__ import annotations

from datetime import datetime

import isodate

from ..clock import Clock, FixedClock, due_from, using_clock
from ..definitions.catalog import ProcessCatalog
from ..definitions.forms import FormCatalog
from ..errors import DeploymentInvalid, InvalidData
from ..policy import Actor
from ..runtime.workflow import CaseWorkflow, ScriptFailed
from ..store import process_versions
from ..store.unit_of_work import Store
from .designer import draft_file_set, require_designer

SAMPLE_CLIENT = {"first_name": "Sample", "last_name": "Client", "birth_date": "1948-03-14",
                 "preferred_language": "English"}
MAX_ACTIONS = 200
MAX_TIMER_FIRINGS = 500


class SimulationService:
    def __init__(self, store: Store, catalog: ProcessCatalog, forms: FormCatalog, script_engine, clock: Clock):
        self.store = store
        self.catalog = catalog
        self.forms = forms
        self.script_engine = script_engine
        self.clock = clock

    def simulate(self, actor: Actor, model_id: str, actions: list[dict], use_drafts: bool = True,
                 client: dict | None = None, version: int | None = None) -> dict:
        require_designer(actor)
        if not isinstance(actions, list) or len(actions) > MAX_ACTIONS:
            raise InvalidData("actions must be a list", [{"field": "actions", "message": f"at most {MAX_ACTIONS}"}])
        with self.store.reading() as uow:
            if version is not None or not use_drafts:
                row = process_versions.version(uow.session, model_id, version)
                files = [(f.filename, f.content.encode("utf-8")) for f in row.files]
            else:
                _, files = draft_file_set(uow.session, model_id)
        try:
            spec, subprocess_specs = self.catalog.draft_specs(model_id, files)
        except DeploymentInvalid as invalid:
            return {"problems": invalid.details, "path": [], "tasks": [], "timers": [], "stage": None,
                    "now": self.clock.now().isoformat(), "error": invalid.message}
        clock = FixedClock(self.clock.now())
        run = _Run(self.catalog.forms_of(files), clock)  # the model's own forms first
        with using_clock(clock):
            workflow = CaseWorkflow.start(spec, subprocess_specs, self.script_engine,
                                          {"case_id": 0, "program": "simulation", "client": client or SAMPLE_CLIENT})
            run.step(workflow, workflow.run_engine)
            for index, action in enumerate(actions):
                if run.error:
                    break
                run.apply(workflow, index, action)
        return run.result(workflow)


class _Run:
    def __init__(self, forms: FormCatalog, clock: FixedClock):
        self.forms, self.clock = forms, clock
        self.path: list[dict] = []
        self.error: str | None = None
        self.opened: dict[str, datetime] = {}
        self.stage = "screening"

    def step(self, workflow: CaseWorkflow, do, as_of: datetime | None = None) -> None:
        try:
            with using_clock(FixedClock(as_of) if as_of else self.clock):
                do()
        except ScriptFailed as failure:
            self.error = f"{failure.bpmn_id or 'a script'}: {failure.message}"
        at = (as_of or self.clock.now()).isoformat()
        for event in workflow.events:
            self.path.append({"at": at, "kind": event.kind, "bpmn_id": event.bpmn_id, "message": event.message})
        workflow.events.clear()
        for task in workflow.ready_user_tasks():
            self.opened.setdefault(task.id, as_of or self.clock.now())
        self.stage = workflow.stage(self.stage)

    def apply(self, workflow: CaseWorkflow, index: int, action: dict) -> None:
        if not isinstance(action, dict):
            raise InvalidData("each action is an object", [{"field": f"actions/{index}", "message": "expected an object"}])
        if "advance" in action:
            try:
                delta = isodate.parse_duration(str(action["advance"]))
            except (isodate.ISO8601Error, ValueError):
                raise InvalidData("advance takes an ISO-8601 duration",
                                  [{"field": f"actions/{index}/advance", "message": "like P30D or PT4H"}]) from None
            try:
                self.clock.advance(delta)
            except (OverflowError, ValueError):  # past year 9999
                raise InvalidData(f"step {index + 1}: {action['advance']} is past the end of the calendar",
                                  [{"field": f"actions/{index}/advance", "message": "a shorter duration"}]) from None
            self._fire_due(workflow)
            return
        bpmn_id = action.get("complete")
        ready = [t for t in workflow.ready_user_tasks() if t.bpmn_id == bpmn_id]
        if not ready:
            open_ids = ", ".join(t.bpmn_id for t in workflow.ready_user_tasks()) or "none"
            raise InvalidData(f"step {index + 1}: there is no open task '{bpmn_id}' (open: {open_ids})",
                              [{"field": f"actions/{index}/complete", "message": f"open tasks: {open_ids}"}])
        data = action.get("data") or {}
        task = ready[0]
        try:
            self.forms.validate(task.form, data, workflow.task_data(task.id))
        except InvalidData as invalid:
            raise InvalidData(f"step {index + 1} ({task.name}): {invalid.message}", [
                {**d, "field": f"actions/{index}/data/{d['field']}".rstrip("/")} for d in invalid.details]) from None
        self.path.append({"at": self.clock.now().isoformat(), "kind": "task_completed", "bpmn_id": task.bpmn_id,
                          "message": f"'{task.name}' completed ({task.lane} lane)"})
        self.step(workflow, lambda: workflow.complete_user_task(task.id, data))

    def _fire_due(self, workflow: CaseWorkflow) -> None:
        """Fire what fell due, earliest first, each as of its own due instant (as the engine does)."""
        for _ in range(MAX_TIMER_FIRINGS):
            due = sorted((t for t in workflow.waiting_timers(self.clock.now()) if t.due_at <= self.clock.now()),
                         key=lambda t: t.due_at)
            if not due or self.error:
                return
            timer = due[0]
            self.step(workflow, lambda: workflow.fire_timer(timer.id, timer.due_at), as_of=timer.due_at)

    def result(self, workflow: CaseWorkflow) -> dict:
        now = self.clock.now()
        tasks = [{"bpmn_id": t.bpmn_id, "name": t.name, "lane": t.lane, "form": t.form,
                  "approval": t.purpose == "approval", "purpose": t.purpose,
                  "opened_at": self.opened.get(t.id, now).isoformat(),
                  "due_at": (due.isoformat() if (due := due_from(self.opened.get(t.id, now), t.due_in)) else None)}
                 for t in workflow.ready_user_tasks()]
        timers = [{"bpmn_id": t.bpmn_id, "name": t.name, "due_at": t.due_at.isoformat()}
                  for t in sorted(workflow.waiting_timers(now), key=lambda t: t.due_at)]
        return {"now": now.isoformat(), "stage": self.stage, "completed": workflow.completed, "path": self.path,
                "tasks": tasks, "timers": timers, "error": self.error, "problems": []}
