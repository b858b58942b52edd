"""One case's workflow while a step runs: SpiffWorkflow behind a small API.

Everything outside the engine sees user tasks, timers, active element ids and
step events; only this module touches SpiffWorkflow's task tree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.specs.mixins.inclusive_gateway import InclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.manual_task import ManualTask
from SpiffWorkflow.bpmn.specs.mixins.none_task import NoneTask
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.dmn.specs.business_rule_task_mixin import BusinessRuleTaskMixin
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from SpiffWorkflow.bpmn.util.diff import diff_workflow

from ..clock import parse_instant, using_clock
from ..definitions.extensions import properties, purpose_of
from ..definitions.forms import form_name
from ..vocabulary import STAGES
from . import codec
from .pruning import prune_finished_history


@dataclass
class StepEvent:
    kind: str
    message: str
    bpmn_id: str | None = None
    data: dict | None = None


@dataclass
class UserTaskInfo:
    id: str
    bpmn_id: str
    name: str
    lane: str | None
    form: str | None
    due_in: str | None
    documentation: str | None
    purpose: str | None = None


@dataclass
class TimerInfo:
    id: str
    bpmn_id: str
    name: str
    kind: str
    due_at: datetime
    purpose: str | None = None


class ScriptFailed(Exception):
    def __init__(self, bpmn_id: str | None, message: str):
        super().__init__(message)
        self.bpmn_id = bpmn_id
        self.message = message


_TIMER_KINDS = {
    DurationTimerEventDefinition: "duration",
    TimeDateEventDefinition: "date",
    CycleTimerEventDefinition: "cycle",
}


def _passes_through(task_spec) -> bool:
    return isinstance(task_spec, NoneTask) and not isinstance(task_spec, (ManualTask, UserTask))


def _is_human(task_spec) -> bool:
    """A user task (a form) or a manual task (done off-line, confirmed with Done)."""
    return isinstance(task_spec, (UserTask, ManualTask))


def _own_timer(task_spec):
    definition = getattr(task_spec, "event_definition", None)
    return definition if isinstance(definition, TimerEventDefinition) else None


def _timer_definition(task_spec):
    """The timer a waiting task waits on: its own, or the one an event gateway races
    against its other events (SpiffWorkflow waits on the gateway for all of them)."""
    definition = getattr(task_spec, "event_definition", None)
    if isinstance(definition, MultipleEventDefinition):
        return next((d for d in definition.event_definitions if isinstance(d, TimerEventDefinition)), None)
    return definition if isinstance(definition, TimerEventDefinition) else None


def _timer_element(task_spec, definition):
    """The catch event that holds `definition`: the task's own element, or the gateway's branch."""
    if getattr(task_spec, "event_definition", None) is definition:
        return task_spec
    # SpiffWorkflow moves the branches' definitions onto the gateway and names each after its element.
    return next((o for o in task_spec.outputs if definition.name and o.bpmn_name == definition.name), task_spec)


@dataclass
class CaseWorkflow:
    workflow: BpmnWorkflow
    events: list[StepEvent] = field(default_factory=list)
    acuity: str | None = None  # set when a step (a DMN table, a script) sets `acuity`

    # --- construction -------------------------------------------------
    @classmethod
    def start(cls, spec, subprocess_specs, script_engine, data: dict) -> CaseWorkflow:
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine)
        workflow.task_tree.data.update(data)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(data)
        return cls(workflow)

    @classmethod
    def load(cls, state: str, spec, subprocess_specs, script_engine) -> CaseWorkflow:
        return cls(codec.loads(state, spec, subprocess_specs, script_engine))

    def dump(self) -> str:
        prune_finished_history(self.workflow)
        return codec.dumps(self.workflow)

    # --- running -------------------------------------------------------
    def run_engine(self) -> None:
        """Run every automatic step (gateways, scripts, rules, fired timers)."""
        try:
            # do_engine_steps refreshes waiting events last, which can leave engine tasks
            # READY (a timer that fell due meanwhile); run again until none is.
            for _ in range(100):
                self.workflow.do_engine_steps(will_complete_task=self._before, did_complete_task=self._after)
                # A plain bpmn:task has no performer: casepath passes through it (deploy warns),
                # where SpiffWorkflow would wait for someone to run it.
                passing = [t for t in self.workflow.get_tasks(state=TaskState.READY) if _passes_through(t.task_spec)]
                for task in passing:
                    task.run()
                if not passing and not any(not t.task_spec.manual
                                           for t in self.workflow.get_tasks(state=TaskState.READY)):
                    break
        except ScriptFailed:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure of the diagram's own code is named, never a 500
            raise self._failure(exc) from exc

    def _failure(self, exc: Exception) -> ScriptFailed:
        """The element a step failed at and why, in words an administrator can act on."""
        task = getattr(exc, "task", None)
        if task is None:  # raised outside a task's run (an update hook): the task left in error, if any
            task = next((t for t in self._all_tasks() if t.has_state(TaskState.ERROR)), None)
        bpmn_id = getattr(getattr(task, "task_spec", None), "bpmn_id", None)
        if isinstance(exc, SpiffWorkflowException):
            return ScriptFailed(bpmn_id, _explain(exc))
        return ScriptFailed(bpmn_id, f"{type(exc).__name__}: {exc}")

    def retry_failed(self, data: dict | None = None) -> list[str]:
        """Run again the elements a failure stopped (after the cause was fixed); their ids.

        `data` is a correction an administrator made to the failing element's data."""
        failed = [t for t in self._all_tasks() if t.has_state(TaskState.ERROR)]
        for task in failed:
            if data:
                task.data.update(data)
            task._set_state(TaskState.READY)
        self.run_engine()
        return [t.task_spec.bpmn_id for t in failed]

    def _before(self, task) -> None:
        spec = task.task_spec
        if isinstance(spec, BusinessRuleTaskMixin):
            table = spec.dmnEngine.decision_table
            inputs = {}
            for column in table.inputs:
                try:
                    inputs[column.label or column.expression] = task.workflow.script_engine.evaluate(
                        task, column.expression)
                except Exception as exc:  # noqa: BLE001 - shown in the audit, the rule run reports it
                    inputs[column.label or column.expression] = f"<error: {exc}>"
            rules = spec.dmnEngine.decide(task)
            matched = [{"rule": r.id, "row": r.row_number, "description": r.description} for r in rules]
            self.events.append(StepEvent(
                "decision", f"decision table '{table.name or table.id}' matched "
                            f"{', '.join('row ' + str(m['row']) for m in matched) or 'no rule'}",
                spec.bpmn_id, {"table": table.id, "inputs": _jsonable(inputs), "matched": matched}))

    def _after(self, task) -> None:
        spec = task.task_spec
        if isinstance(spec, BusinessRuleTaskMixin):
            # What the table decided, by its output labels ("Eligible": True): the evidence of the
            # decision, and what the page says happened ("Screening complete: eligible").
            table = spec.dmnEngine.decision_table
            outputs = {column.label or column.name: task.data.get(column.name) for column in table.outputs
                       if column.name}
            for event in reversed(self.events):
                if event.kind == "decision" and event.bpmn_id == spec.bpmn_id:
                    event.data["outputs"] = _jsonable(outputs)
                    event.data.setdefault("name", table.name or table.id)
                    break
        if isinstance(spec, (BusinessRuleTaskMixin, ScriptTask)) and "acuity" in task.data:
            # Parallel branches carry their own data; the case's acuity is what a rule or script last set.
            self.acuity = task.data["acuity"]
        if isinstance(spec, (ExclusiveGateway, InclusiveGateway)):
            taken = [c.task_spec.name for c in task.children if c.has_state(TaskState.DEFINITE_MASK | TaskState.FINISHED_MASK) and not c.has_state(TaskState.CANCELLED)]
            conditions = {name: _condition_text(cond) for cond, name in spec.cond_task_specs}
            for target in taken:
                condition = conditions.get(target)
                why = f"condition '{condition}' was true" if condition else "default flow"
                self.events.append(StepEvent("gateway", f"gateway {_name(spec)} took the branch to "
                                             f"{_name(spec._wf_spec.task_specs[target])}: {why}",
                                             spec.bpmn_id, {"target": target, "condition": condition}))
        elif isinstance(spec, ScriptTask):
            self.events.append(StepEvent("script_ran", f"script task {_name(spec)} ran", spec.bpmn_id))
        elif properties(spec).get("opensCase"):
            # A re-entry path: the engine opens a new case for the same client, linked to this one.
            model = properties(spec)["opensCase"]
            self.events.append(StepEvent("open_linked_case", f"{_name(spec)}: a new {model} case opens for "
                                         "the same client", spec.bpmn_id, {"model": model}))
        if _own_timer(spec) is not None and task.has_state(TaskState.COMPLETED):
            self.events.append(StepEvent("timer_fired", f"timer {_name(spec)} fired", spec.bpmn_id,
                                         {"timer_id": str(task.id)}))

    def complete_user_task(self, task_id: str, data: dict) -> None:
        task = self.find_task(task_id)
        task.data.update(data)
        try:
            task.run()  # the task's own post-script and output mappings run here
        except Exception as exc:  # noqa: BLE001
            raise self._failure(exc) from exc
        self.run_engine()

    def fire_timer(self, timer_id: str, now: datetime) -> bool:
        """Fire one waiting timer (and run what follows). False if it is no longer waiting."""
        task = self.find_task(timer_id, missing_ok=True)
        if task is None or not task.has_state(TaskState.WAITING):
            return False
        definition = _timer_definition(task.task_spec)
        if isinstance(definition, CycleTimerEventDefinition):
            value = task._get_internal_data("event_value")
            if value and value.get("cycles", 0) != 0:
                # Spiff compares with "<": nudge the reading so a timer due exactly now fires.
                due = datetime.fromisoformat(value["next"])
                if due >= now:
                    value["next"] = (now - timedelta(microseconds=1)).isoformat()
        else:
            task._set_internal_data(event_fired=True)
        task.task_spec._update(task)
        if _own_timer(task.task_spec) is None:  # an event gateway's timer won the race
            element = _timer_element(task.task_spec, definition)
            self.events.append(StepEvent("timer_fired", f"timer {_name(element)} fired", element.bpmn_id,
                                         {"timer_id": str(task.id)}))
        if isinstance(definition, CycleTimerEventDefinition):
            self.events.append(StepEvent("timer_fired", f"timer {_name(task.task_spec)} fired (repeating)",
                                         task.task_spec.bpmn_id, {"timer_id": str(task.id)}))
        self.run_engine()
        return True

    def waiting_messages(self) -> list[str]:
        """Names of the messages something in the case waits for (catch events, receive
        tasks, event gateways, boundary events, event-subprocess starts)."""
        return sorted({d.name for d in self._message_definitions()})

    def catch_message(self, name: str, payload: dict | None) -> bool:
        """Deliver a message and run what follows; False if nothing waits for it."""
        definition = next((d for d in self._message_definitions() if d.name == name), None)
        if definition is None:
            return False
        # SpiffWorkflow matches by definition (class and name); the payload lands in the
        # catching element's message variable, as in SpiffArena.
        self.workflow.catch(BpmnEvent(definition, payload if payload is not None else {}))
        self.events.append(StepEvent("message_received", f"message '{name}' received", None,
                                     {"message": name}))
        self.run_engine()
        return True

    def _message_definitions(self):
        for task in self._all_tasks():
            if not task.has_state(TaskState.WAITING | TaskState.READY | TaskState.STARTED):
                continue
            definition = getattr(task.task_spec, "event_definition", None)
            for candidate in getattr(definition, "event_definitions", None) or [definition]:
                if isinstance(candidate, MessageEventDefinition):
                    yield candidate

    # --- moving to another version of the process ---------------------
    def migrate_to(self, spec, subprocess_specs: dict, timer_clock) -> list[str]:
        """Re-point this workflow at another version's specs (matched by BPMN id).

        Returns the active elements the target lacks (and changes nothing), or [] once
        moved. Ready tasks keep their ids (so claims and drafts survive); their branches
        and every waiting timer are predicted again from the target, each timer under
        `timer_clock(task_id)` so it counts from when it started waiting."""
        top, subs = diff_workflow(codec.registry(), self.workflow, spec, subprocess_specs)
        active = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
        pairs = [(top, self.workflow, spec)]
        missing = []
        for sp_id, diff in subs.items():
            sub = self.workflow.subprocesses[sp_id]
            if diff is None:
                missing.append(sub.spec.name)
                continue
            pairs.append((diff, sub, subprocess_specs[sub.spec.name]))
        for diff, _, _ in pairs:
            missing += [t.task_spec.bpmn_id or t.task_spec.name for t in diff.removed if t.has_state(active)]
        if missing:
            return sorted(set(missing))
        for diff, workflow, target in pairs:
            workflow.spec = target
            for task in workflow.tasks.values():
                aligned = diff.alignment.get(task)
                if aligned is not None:
                    task.task_spec = aligned
        for diff, workflow, _ in pairs:
            for task in list(workflow.get_tasks(state=TaskState.READY | TaskState.WAITING, skip_subprocesses=True)):
                if task.id not in workflow.tasks:
                    continue  # removed with an earlier branch
                with using_clock(timer_clock(str(task.id))):
                    data = dict(task.data)
                    task.reset_branch(data)
        self.run_engine()
        return []

    def find_task(self, task_id: str, missing_ok: bool = False):
        try:
            return self.workflow.get_task_from_id(UUID(task_id))
        except Exception:
            if missing_ok:
                return None
            raise

    # --- reading state ---------------------------------------------------
    @property
    def completed(self) -> bool:
        return self.workflow.completed

    def _all_tasks(self):
        yield from self.workflow.tasks.values()
        for subprocess in self.workflow.subprocesses.values():
            yield from subprocess.tasks.values()

    def ready_user_tasks(self) -> list[UserTaskInfo]:
        found = []
        for task in self._all_tasks():
            spec = task.task_spec
            if _is_human(spec) and task.has_state(TaskState.READY):
                props = properties(spec)
                found.append(UserTaskInfo(
                    id=str(task.id), bpmn_id=spec.bpmn_id, name=spec.bpmn_name or spec.bpmn_id, lane=spec.lane,
                    form=form_name(props.get("formJsonSchemaFilename")), due_in=props.get("dueIn"),
                    documentation=getattr(spec, "documentation", None), purpose=purpose_of(spec)))
        return found

    def waiting_timers(self, now: datetime) -> list[TimerInfo]:
        found = []
        for task in self._all_tasks():
            definition = _timer_definition(task.task_spec)
            if definition is None or not task.has_state(TaskState.WAITING):
                continue
            due = _due_instant(task, definition, now)
            if due is not None:
                element = _timer_element(task.task_spec, definition)
                found.append(TimerInfo(str(task.id), element.bpmn_id, definition.name or
                                       element.bpmn_name or element.bpmn_id,
                                       _TIMER_KINDS.get(type(definition), "timer"), due,
                                       purpose_of(element) or purpose_of(task.task_spec)))
        return found

    def active_element_ids(self) -> list[str]:
        ids = []
        for task in self._all_tasks():
            if task.has_state(TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR):
                bpmn_id = getattr(task.task_spec, "bpmn_id", None)
                if bpmn_id and bpmn_id not in ids:
                    ids.append(bpmn_id)
        return ids

    def data(self) -> dict:
        if self.workflow.completed:
            return dict(self.workflow.data)
        tasks = [t for t in self._all_tasks() if t.has_state(TaskState.READY | TaskState.WAITING)]
        return dict(tasks[-1].data) if tasks else dict(self.workflow.data)

    def task_data(self, task_id: str) -> dict:
        return dict(self.find_task(task_id).data)

    def stage(self, current: str) -> str:
        """The furthest stage any active element (or its enclosing subprocess) belongs to.

        A BPMN element declares its stage with the property `stage`; a case that
        ends takes the stage of the end event it reached, or `closed`."""
        if self.workflow.completed:
            for task in self.workflow.get_tasks(state=TaskState.COMPLETED):
                stage = properties(task.task_spec).get("stage")
                if stage and task.task_spec.__class__.__name__ == "EndEvent":
                    return stage
            return "closed"
        found = []
        for task in self._all_tasks():
            if not task.has_state(TaskState.READY | TaskState.WAITING | TaskState.STARTED):
                continue
            stage = self._stage_of(task)
            if stage:
                found.append(stage)
        if not found:
            return current
        return max(found, key=STAGES.index)

    def _stage_of(self, task) -> str | None:
        node = task
        while node is not None:
            stage = properties(node.task_spec).get("stage")
            if stage:
                return stage
            parent_id = node.workflow.parent_task_id
            node = self.workflow.get_task_from_id(parent_id) if parent_id else None
        return None


def _due_instant(task, definition, now: datetime) -> datetime | None:
    value = task._get_internal_data("event_value")
    if value is None:
        return None
    if isinstance(definition, CycleTimerEventDefinition):
        if isinstance(value, dict):
            if value.get("cycles", 0) == 0:
                return None
            return parse_instant(value["next"])
        return parse_instant(value)
    if isinstance(definition, TimeDateEventDefinition):
        return definition.get_datetime(value) if isinstance(value, str) else value
    return parse_instant(value)


def _condition_text(condition) -> str | None:
    if condition is None:
        return None
    args = getattr(condition, "args", None)
    return str(args[0]) if args else str(condition)


def _name(spec) -> str:
    name = getattr(spec, "bpmn_name", None)
    return f"'{name}'" if name else getattr(spec, "bpmn_id", spec.name)


def _explain(exc: SpiffWorkflowException) -> str:
    # Spiff wraps an expression's error without keeping it (no `exception`, no `from`): the
    # context is what the expression raised, e.g. the script limit it met.
    base = exc.__cause__ or getattr(exc, "exception", None) or exc.__context__
    message = str(exc).split("\n")[0]
    if base is not None and str(base) not in message:
        message = f"{message} ({type(base).__name__}: {base})"
    return message


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
