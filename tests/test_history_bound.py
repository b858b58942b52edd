"""A case monitored weekly for years costs the same to load and save as a new one."""
from __future__ import annotations

from sqlalchemy import select

from engine.clock import FixedClock, using_clock
from engine.store.models import WorkflowState
from engine.definitions.catalog import read_path
from engine.definitions.loader import build_specs, load_files
from engine.runtime.workflow import CaseWorkflow
from engine.definitions.scripting import restricted_script_engine
from tests.support.paths import TESTS
from tests.support.people import ADULT, START


def monitoring_specs():
    return build_specs(load_files(read_path(TESTS / "processes" / "monitoring_loop.bpmn")), "monitoring_loop")


def one_week(state, spec, subprocess_specs, script_engine, clock, i):
    """Load, log a contact, save; a week passes, the timer fires, save again."""
    workflow = CaseWorkflow.load(state, spec, subprocess_specs, script_engine)
    task = workflow.ready_user_tasks()[0]
    workflow.complete_user_task(task.id, {"note": f"week {i}", "done": False})
    state = workflow.dump()
    clock.advance("P7D")
    workflow = CaseWorkflow.load(state, spec, subprocess_specs, script_engine)
    timer = workflow.waiting_timers(clock.now())[0]
    assert workflow.fire_timer(timer.id, clock.now())
    return workflow.dump()


def test_the_500th_monitoring_contact_carries_no_more_state_than_the_5th():
    spec, subprocess_specs = monitoring_specs()
    engine = restricted_script_engine()
    clock = FixedClock(START)
    sizes = {}
    with using_clock(clock):
        workflow = CaseWorkflow.start(spec, subprocess_specs, engine, {"case_id": 1})
        workflow.run_engine()
        state = workflow.dump()
        for week in range(1, 501):
            state = one_week(state, spec, subprocess_specs, engine, clock, week)
            sizes[week] = len(state)
        workflow = CaseWorkflow.load(state, spec, subprocess_specs, engine)
        assert len(workflow.workflow.tasks) < 15
        assert workflow.data()["note"] == "week 500", "the newest answers are kept"
        task = workflow.ready_user_tasks()[0]
        workflow.complete_user_task(task.id, {"note": "last", "done": True})
        assert workflow.completed
    assert sizes[500] <= sizes[5] * 1.1, (sizes[5], sizes[500])


def test_the_record_keeps_every_contact_that_the_workflow_state_forgets(case_engine, people, clock):
    case = case_engine.cases.open_case(people["carol"], ADULT, model_id="monitoring_loop")
    sizes = []
    for week in range(1, 41):
        task = case["tasks"][0]
        case_engine.tasks.complete(people["carol"], task["id"], {"note": f"week {week}", "done": False})
        clock.advance("P7D")
        assert case_engine.timers.fire_due_timers() == 1
        case = case_engine.cases.get_case(people["carol"], case["id"])
        with case_engine.sessions() as session:
            sizes.append(session.scalar(select(WorkflowState.size).where(WorkflowState.case_id == case["id"])))
    assert max(sizes[5:]) <= sizes[4] * 1.1, sizes
    notes = [e["data"]["note"] for e in case_engine.record.timeline(people["sam"], case["id"]) if e["kind"] == "contact"]
    assert notes == [f"week {w}" for w in range(1, 41)]
    fired = [e for e in case_engine.record.audit(people["sam"], case["id"]) if e["kind"] == "timer_fired"]
    assert len(fired) == 40
