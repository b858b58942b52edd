"""Timers: fired by the poller within one interval, and exactly once across several workers."""
from __future__ import annotations

import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from engine.store.claims import timer_claims
from engine.store.models import AuditEvent, HumanTask, Timer
from engine.scheduler import start_background
from tests.support.bpmn_samples import linear_process, one_task_process, user_task
from tests.support.people import ADULT
from tests.support.subprocesses import start_casepath
from engine.policy import operator


def test_the_background_poller_fires_a_due_timer_within_one_interval(case_engine, people, clock):
    reminder = case_engine.cases.open_case(people["carol"], ADULT, model_id="reminder")
    scheduler = start_background(case_engine, poll_seconds=0.2)
    try:
        time.sleep(0.5)
        assert case_engine.cases.get_case(people["carol"], reminder["id"])["tasks"] == [], "not due yet"
        clock.advance("P1DT1M")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if case_engine.cases.get_case(people["carol"], reminder["id"])["tasks"]:
                break
            time.sleep(0.05)
        after = case_engine.cases.get_case(people["carol"], reminder["id"])
        assert [t["bpmn_id"] for t in after["tasks"]] == ["call"] and after["timers"] == []
    finally:
        scheduler.shutdown(wait=True)


def test_a_cycle_timer_due_exactly_now_fires(case_engine, people, clock):
    case_engine.processes.deploy(operator("ada"), [("cycle.bpmn", one_task_process("cycle", timer=("timeCycle", "R1/PT1H"),
                                                        form="followup.schema.json").encode())])
    case = case_engine.cases.open_case(people["carol"], ADULT, model_id="cycle")
    due = case["timers"][0]["due_at"]
    assert due == "2026-01-05T10:00:00+00:00"
    clock.advance("PT1H")
    assert case_engine.timers.fire_due_timers() == 1


@pytest.mark.postgres
@pytest.mark.slow
def test_two_workers_fire_a_thousand_due_timers_each_exactly_once(case_engine, people, database_url, clock,
                                                                  tmp_path):
    if not database_url.startswith("postgresql"):
        pytest.skip("several workers share one PostgreSQL; SQLite is a single-process database")
    for _ in range(1000):
        case_engine.cases.open_case(people["carol"], ADULT, model_id="reminder", confirm_new_client=True)
    later = clock.advance("P1DT1H").isoformat()
    workers = [start_casepath(["timers", "run-due"], database_url, later, tmp_path) for _ in range(2)]
    outputs = [worker.communicate(timeout=600) for worker in workers]
    assert [w.returncode for w in workers] == [0, 0], [o[1][-2000:] for o in outputs]
    fired_by_worker = [int(out.split("fired ")[1].split()[0]) for out, _ in outputs]
    assert sum(fired_by_worker) == 1000, fired_by_worker
    assert min(fired_by_worker) > 0, f"both workers took part: {fired_by_worker}"
    with case_engine.sessions() as session:
        fired = Counter(e.data["timer_id"] for e in session.scalars(
            select(AuditEvent).where(AuditEvent.kind == "timer_fired")))
        assert len(fired) == 1000 and set(fired.values()) == {1}, "none lost, none fired twice"
        assert session.scalar(select(func.count()).select_from(Timer)) == 0
        calls = session.scalar(select(func.count()).select_from(HumanTask).where(HumanTask.bpmn_id == "call",
                                                                                 HumanTask.state == "open"))
        assert calls == 1000


@pytest.mark.postgres
def test_two_workers_claiming_at_once_take_disjoint_batches(case_engine, people, database_url, clock):
    """Issue 18: each worker claims its own batch of cases with due timers, so a second worker
    never walks the first one's batch; what a worker claimed is free again when its run ends."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite runs one writer at a time: its claim is a plain read")
    for _ in range(6):
        case_engine.cases.open_case(people["carol"], ADULT, model_id="reminder", confirm_new_client=True)
    now = clock.advance("P1DT1H")
    with timer_claims(case_engine.store) as first, timer_claims(case_engine.store) as second:
        first_batch = first.claim(now, 4, set())
        second_batch = second.claim(now, 4, set())
        assert len(first_batch) == 4 and len(second_batch) == 2, (first_batch, second_batch)
        assert not set(first_batch) & set(second_batch), "no case in both batches"
        assert second.claim(now, 4, set()) == second_batch, "a worker's next batch frees its last one only"
    with timer_claims(case_engine.store) as later:
        assert sorted(later.claim(now, 10, set())) == sorted(first_batch + second_batch)
    assert case_engine.timers.fire_due_timers() == 6


@pytest.mark.postgres
def test_a_worker_past_the_cores_stands_by_until_a_slot_is_free(case_engine, people, database_url, clock):
    """Issue 18: more workers are never slower. With CASEPATH_TIMER_WORKERS slots (the cores by
    default) taken by the workers firing, one more stands by instead of taking their CPU; when
    a slot is free again, a worker fires."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite runs one writer at a time: there are no worker slots")
    for _ in range(3):
        case_engine.cases.open_case(people["carol"], ADULT, model_id="reminder", confirm_new_client=True)
    clock.advance("P1DT1H")
    case_engine.timers.worker_slots = 2
    with timer_claims(case_engine.store, 2) as first, timer_claims(case_engine.store, 2) as second:
        assert not first.busy and not second.busy, "two workers, two slots"
        third = case_engine.timers.run_due()
        assert third.standing_by and third.fired == 0
    run = case_engine.timers.run_due()
    assert not run.standing_by and run.fired == 3


def test_a_timer_whose_step_fails_is_counted_and_its_case_named(case_engine, people, clock, app):
    """`timers run-due` used to print "fired 0" when the step after a timer failed: now it says
    the timer fired, that one failed, which case stopped and why, and exits non-zero."""
    from web.cli import run_due_command

    failing = one_task_process("failing", timer=("timeDuration", "PT1H"), after_timer="ratio = 1 / 0",
                               form="followup.schema.json")
    case_engine.processes.deploy(operator("ada"), [("failing.bpmn", failing.encode())])
    stopped = case_engine.cases.open_case(people["carol"], ADULT, model_id="failing")
    fine = case_engine.cases.open_case(people["carol"], ADULT, model_id="reminder", confirm_new_client=True)
    clock.advance("P2D")

    result = app.test_cli_runner().invoke(run_due_command)
    assert result.exit_code == 1
    assert "fired 2 timer(s); 1 failed" in result.stdout
    assert f"case {stopped['id']} stopped: after_wait:" in result.stderr and "division by zero" in result.stderr
    assert case_engine.cases.get_case(people["carol"], stopped["id"])["status"] == "error"
    assert [t["bpmn_id"] for t in case_engine.cases.get_case(people["carol"], fine["id"])["tasks"]] == ["call"]


def test_a_due_timer_a_completion_withdraws_before_any_worker_fires_it_is_audited_as_cancelled(case_engine, people,
                                                                                                clock):
    """Found by tests/test_scale_out.py: a task completed after its deadline timer fell due,
    but before a worker fired it, took the timer away with nothing in the audit trail (only
    timers not yet due were audited as cancelled), so the trail showed a timer scheduled that
    neither fired nor was cancelled (NASW Std 10: the record says what happened, and when)."""
    deadline = ('<bpmn:boundaryEvent id="no_answer" name="No call within an hour" attachedToRef="work">'
                '<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>'
                '</bpmn:boundaryEvent><bpmn:sequenceFlow id="flow_late" sourceRef="no_answer" targetRef="end"/>')
    case_engine.processes.deploy(operator("ada"), [("deadline.bpmn", linear_process(
        "deadline", user_task("work", "Call the client", form="followup.schema.json"), extra=deadline).encode())])
    case = case_engine.cases.open_case(people["carol"], ADULT, model_id="deadline")
    clock.advance("PT2H")  # due, and no worker has fired it yet
    case_engine.tasks.complete(people["carol"], case["tasks"][0]["id"], {"outcome": "reached her"})

    trail = case_engine.record.audit(people["sam"], case["id"])
    timer_events = [(e["kind"], e["bpmn_id"]) for e in trail if e["kind"].startswith("timer_")]
    assert timer_events == [("timer_scheduled", "no_answer"), ("timer_cancelled", "no_answer")]
    assert case_engine.timers.fire_due_timers() == 0
