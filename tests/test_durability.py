"""Nothing is lost: two users on one task, a crash mid-step, timers due while nothing ran."""
from __future__ import annotations

import signal
import threading

from engine.errors import Conflict
from tests.support.people import ADULT
from tests.support.plan_approval import PLAN
from tests.support.subprocesses import casepath, run_and_die_mid_step


def plan_waiting_for_approval(case_engine, people):
    case = case_engine.cases.open_case(people["carol"], ADULT)
    done = case_engine.tasks.complete(people["carol"], case["tasks"][0]["id"], PLAN)
    return done["case"], done["next_tasks"][0]


def test_two_supervisors_approving_at_once_get_one_success_and_one_conflict(case_engine, people):
    for _ in range(5):
        case, approval = plan_waiting_for_approval(case_engine, people)
        barrier = threading.Barrier(2)
        outcomes = {}

        def approve(name):
            barrier.wait()
            try:
                case_engine.tasks.complete(people[name], approval["id"], {"decision": "approve"})
                outcomes[name] = "ok"
            except Conflict as exc:
                outcomes[name] = f"409 {exc.message}"

        threads = [threading.Thread(target=approve, args=(name,)) for name in ("sam", "sue")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(o[:3] for o in outcomes.values()) == ["409", "ok"], outcomes
        after = case_engine.cases.get_case(people["sam"], case["id"])
        assert after["stage"] == "follow_up" and len(after["timers"]) == 1, "the step happened exactly once"
        audit = case_engine.record.audit(people["sam"], case["id"])
        approvals = [e for e in audit if e["kind"] == "task_completed" and e["bpmn_id"] == "approve_plan"]
        assert len(approvals) == 1
        assert len([e for e in audit if e["kind"] == "timer_scheduled" and e["bpmn_id"] == "follow_up_wait"]) == 1


def test_a_process_killed_mid_step_leaves_the_case_as_it_was(case_engine, people, database_url, clock, tmp_path):
    case, approval = plan_waiting_for_approval(case_engine, people)
    before = case_engine.cases.get_case(people["sam"], case["id"])
    timeline_before = case_engine.record.timeline(people["sam"], case["id"])
    audit_before = case_engine.record.audit(people["sam"], case["id"])

    killed = run_and_die_mid_step(
        f"engine.tasks.complete(engine.identity.actor('sam'), {approval['id']!r}, {{'decision': 'approve'}})",
        database_url, clock.now().isoformat(), tmp_path)
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    assert case_engine.cases.get_case(people["sam"], case["id"]) == before
    assert case_engine.record.timeline(people["sam"], case["id"]) == timeline_before
    changes = [e for e in case_engine.record.audit(people["sam"], case["id"]) if e["kind"] != "record_read"]
    assert changes == [e for e in audit_before if e["kind"] != "record_read"], "reads are accounted; nothing else"
    # …and the step can simply be done again, once.
    done = case_engine.tasks.complete(people["sam"], approval["id"], {"decision": "approve"})
    assert done["case"]["stage"] == "follow_up"


def test_timers_due_while_nothing_ran_fire_once_after_restart(case_engine, people, database_url, clock, tmp_path):
    case, approval = plan_waiting_for_approval(case_engine, people)
    case_engine.tasks.complete(people["sam"], approval["id"], {"decision": "approve"})
    # Nothing runs for 40 days; the 30-day follow-up fell due on day 30.
    later = clock.advance("P40D").isoformat()
    first = casepath(["timers", "run-due"], database_url, later, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "fired 1 timer(s)" in first.stdout
    second = casepath(["timers", "run-due"], database_url, later, tmp_path)
    assert "fired 0 timer(s)" in second.stdout
    after = case_engine.cases.get_case(people["sam"], case["id"])
    assert (after["stage"], after["status"], after["timers"]) == ("closed", "completed", [])
    fired = [e for e in case_engine.record.audit(people["sam"], case["id"]) if e["kind"] == "timer_fired"]
    assert [e["bpmn_id"] for e in fired] == ["follow_up_wait"]


def test_a_worker_killed_while_firing_a_timer_fires_it_once_on_restart(case_engine, people, database_url, clock,
                                                                      tmp_path):
    reminder = case_engine.cases.open_case(people["carol"], ADULT, model_id="reminder")
    assert [t["bpmn_id"] for t in reminder["timers"]] == ["tomorrow"]
    later = clock.advance("P2D").isoformat()
    killed = run_and_die_mid_step("engine.timers.fire_due_timers()", database_url, later, tmp_path)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    still = case_engine.cases.get_case(people["carol"], reminder["id"])
    assert [t["bpmn_id"] for t in still["timers"]] == ["tomorrow"] and still["tasks"] == []

    restarted = casepath(["timers", "run-due"], database_url, later, tmp_path)
    assert "fired 1 timer(s)" in restarted.stdout, restarted.stderr
    after = case_engine.cases.get_case(people["carol"], reminder["id"])
    assert after["timers"] == [] and [t["bpmn_id"] for t in after["tasks"]] == ["call"]
    fired = [e for e in case_engine.record.audit(people["ada"], reminder["id"]) if e["kind"] == "timer_fired"]
    assert len(fired) == 1


def test_a_database_restart_while_the_server_sat_idle_costs_no_request(case_engine, people, db_engine, monkeypatch):
    """Connections idle past the ping window are pinged before use; a dead one is replaced."""
    if db_engine.dialect.name != "postgresql":
        return  # SQLite has no server to restart
    from sqlalchemy import create_engine, text

    from engine.store import db
    from tests.support.postgres import POSTGRES_URL

    case, approval = plan_waiting_for_approval(case_engine, people)
    monkeypatch.setattr(db, "IDLE_BEFORE_PING_SECONDS", 0.0)  # every pooled connection counts as idle
    # What a restart does to the pool: every connection it holds is gone (only ours: other
    # tests share the server).
    held = [db_engine.connect() for _ in range(max(1, db_engine.pool.checkedin()))]
    pids = [conn.execute(text("SELECT pg_backend_pid()")).scalar_one() for conn in held]
    for conn in held:
        conn.rollback()
        conn.close()
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for pid in pids:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()

    done = case_engine.tasks.complete(people["sam"], approval["id"], {"decision": "approve"})
    assert done["case"]["stage"] == "follow_up"
