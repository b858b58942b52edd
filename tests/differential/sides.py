"""The two ways a diagram runs: through casepath, and through SpiffWorkflow alone.

Both sides answer the same questions (done? which human tasks are ready? which
timers wait and until when?) so one policy (drive.py) can steer either. The
casepath side goes the way a case does in production: CaseWorkflow.start, the
restricted script engine, and a dump → load (prune, serialize, parse back)
around every step. The raw side is a plain BpmnWorkflow that never leaves memory.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.manual_task import ManualTask
from SpiffWorkflow.bpmn.specs.mixins.none_task import NoneTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.clock import parse_instant
from engine.definitions.scripting import restricted_script_engine
from engine.runtime.workflow import CaseWorkflow

ENGINE_ROUNDS = 100  # casepath's run_engine gives up after as many


def _all_tasks(workflow: BpmnWorkflow):
    yield from workflow.tasks.values()
    for subprocess in workflow.subprocesses.values():
        yield from subprocess.tasks.values()


def _plain_task(task_spec) -> bool:
    return isinstance(task_spec, NoneTask) and not isinstance(task_spec, (ManualTask, UserTask))


def ready_human(workflow: BpmnWorkflow) -> list[tuple[str, str]]:
    """(bpmn id, task id) of every ready user or manual task, in bpmn id order. A plain
    bpmn:task is nobody's work: casepath passes through it (a deliberate difference from
    SpiffWorkflow, which waits for someone to run it), and the raw side runs it as an
    engine step (below) so the rest of the diagram compares."""
    ready = [(t.task_spec.bpmn_id or t.task_spec.name, str(t.id)) for t in _all_tasks(workflow)
             if t.task_spec.manual and not _plain_task(t.task_spec) and t.has_state(TaskState.READY)]
    return sorted(ready)


def waiting_timers(workflow: BpmnWorkflow) -> list[tuple[datetime, str]]:
    """(due instant, task id) of every waiting timer whose instant is known."""
    found = []
    for task in _all_tasks(workflow):
        definition = getattr(task.task_spec, "event_definition", None)
        if not isinstance(definition, TimerEventDefinition) or not task.has_state(TaskState.WAITING):
            continue
        due = _due(task, definition)
        if due is not None:
            found.append((due, str(task.id)))
    return sorted(found)


def _due(task, definition) -> datetime | None:
    value = task._get_internal_data("event_value")
    if value is None:
        return None
    if isinstance(definition, CycleTimerEventDefinition):
        if not isinstance(value, dict) or value.get("cycles", 0) == 0:
            return None
        return parse_instant(value["next"])
    if isinstance(definition, TimeDateEventDefinition):
        return definition.get_datetime(value) if isinstance(value, str) else value
    return parse_instant(value) if isinstance(value, str) else value


def outcome_data(workflow: BpmnWorkflow):
    """What a run leaves behind: the workflow's data once done, else each active task's data."""
    if workflow.completed:
        return dict(workflow.data)
    active = TaskState.READY | TaskState.WAITING | TaskState.STARTED
    return {f"{t.task_spec.bpmn_id or t.task_spec.name}": dict(t.data)
            for t in sorted(_all_tasks(workflow), key=lambda t: t.task_spec.bpmn_id or t.task_spec.name)
            if t.has_state(active)}


class RawSide:
    name = "spiff"

    def __init__(self, spec, subprocess_specs, start: dict):
        self.workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=PythonScriptEngine())
        # Start data the way SpiffWorkflow's tests give it: on the root and the first ready tasks.
        self.workflow.task_tree.data.update(start)
        for task in self.workflow.get_tasks(state=TaskState.READY):
            task.data.update(start)
        self.run_engine()

    def run_engine(self) -> None:
        for _ in range(ENGINE_ROUNDS):
            self.workflow.do_engine_steps()
            plain = [t for t in self.workflow.get_tasks(state=TaskState.READY) if _plain_task(t.task_spec)]
            for task in plain:
                task.run()
            if not plain and not self.workflow.get_tasks(state=TaskState.READY, manual=False):
                break

    def completed(self) -> bool:
        return self.workflow.completed

    def ready_human(self):
        return ready_human(self.workflow)

    def complete(self, task_id: str, answers: dict) -> None:
        task = self.workflow.get_task_from_id(UUID(task_id))
        task.data.update(answers)
        task.run()
        self.run_engine()

    def waiting_timers(self):
        return waiting_timers(self.workflow)

    def fire(self, task_id: str, due: datetime, clock) -> None:
        # Spiff fires a timer once the clock has passed its instant ("<").
        clock.set(max(clock.now(), due + timedelta(microseconds=1)))
        self.workflow.refresh_waiting_tasks()
        self.run_engine()

    def data(self):
        return outcome_data(self.workflow)


class CasepathSide:
    name = "casepath"

    def __init__(self, spec, subprocess_specs, start: dict):
        self.spec, self.subprocess_specs = spec, subprocess_specs
        self.engine = restricted_script_engine()
        # As a case opens: start, run what is automatic, save.
        workflow = CaseWorkflow.start(spec, subprocess_specs, self.engine, dict(start))
        workflow.run_engine()
        self.state = workflow.dump()

    def _load(self) -> CaseWorkflow:
        return CaseWorkflow.load(self.state, self.spec, self.subprocess_specs, self.engine)

    def _step(self, action) -> None:
        workflow = self._load()
        action(workflow)
        self.state = workflow.dump()  # prunes finished history, as every save does

    def run_engine(self) -> None:
        self._step(CaseWorkflow.run_engine)

    def completed(self) -> bool:
        return self._load().completed

    def ready_human(self):
        return ready_human(self._load().workflow)

    def complete(self, task_id: str, answers: dict) -> None:
        self._step(lambda workflow: workflow.complete_user_task(task_id, answers))

    def waiting_timers(self):
        return waiting_timers(self._load().workflow)

    def fire(self, task_id: str, due: datetime, clock) -> None:
        # As the timer service does: fire the one timer as of the instant it fell due.
        clock.set(max(clock.now(), due))
        self._step(lambda workflow: workflow.fire_timer(task_id, clock.now()))

    def data(self):
        return outcome_data(self._load().workflow)
