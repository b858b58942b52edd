"""Regression guard on the work one completion costs: statements sent to the database, not
time (time is measured in bench/, never asserted here). A completion locks its case with the
task and workflow state in one read, and writes each table once."""
from __future__ import annotations

import threading
import time

from sqlalchemy import event

from engine.store.models import Timer

from tests.support.people import ADULT

CONTACT = {"note": "Weekly call", "done": False}


def separate_state_update(case_engine) -> int:
    """PostgreSQL writes the workflow state with the case's own UPDATE (a data-modifying WITH);
    SQLite has none, so the state is its own UPDATE there."""
    return 0 if case_engine.store.is_postgres else 1


def extra_inserts(case_engine) -> int:
    """SQLite inserts rows that need their ids back one statement each (the order of its
    RETURNING is not guaranteed); those are calls into the library, not round trips. A
    completion here writes three audit events, a timer, two at a timer."""
    return 2 if not case_engine.store.is_postgres else 0


def statements_of(case_engine, action) -> list[str]:
    db = case_engine.sessions.kw["bind"]
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement.split(None, 1)[0].upper())

    event.listen(db, "before_cursor_execute", count)
    try:
        action()
    finally:
        event.remove(db, "before_cursor_execute", count)
    return [s for s in seen if s != "BEGIN"]  # SQLite's BEGIN IMMEDIATE is how it locks, not a round trip


def test_a_completion_takes_six_statements(case_engine, people):
    case = case_engine.cases.open_case(people["carol"], ADULT, model_id="monitoring_loop")
    task_id = case["tasks"][0]["id"]
    seen = statements_of(case_engine, lambda: case_engine.tasks.complete(people["carol"], task_id, CONTACT))
    # one read (task, locked case, workflow state, open tasks, timers, whether any consent is
    # on file, the case after this one), 3 inserts (audit, record, timer), 2 updates (task;
    # case with its chain heads and the workflow state)
    assert len(seen) <= 6 + separate_state_update(case_engine) + extra_inserts(case_engine), seen
    assert seen.count("SELECT") == 1, seen
    if not case_engine.store.is_postgres:
        # sent straight to the driver (engine/store/direct.py), each is still seen by the listeners:
        # the task, the case and its workflow state; the timer, the audit events, the record entry
        assert (seen.count("UPDATE"), seen.count("INSERT")) == (3, 3), seen


def test_a_completion_that_waited_for_another_step_reads_what_that_step_wrote(case_engine, people, clock):
    """While one step holds the case, a completion of the same case waits for it; it then works
    on the case as that step left it (its timers here), not as it was when it started asking."""
    case = case_engine.cases.open_case(people["carol"], ADULT, model_id="monitoring_loop")
    task_id = case["tasks"][0]["id"]
    holding, waited = threading.Event(), {}

    def other_step():
        with case_engine.store.transaction() as uow:
            locked = uow.lock_case(case["id"])
            uow.session.add(Timer(id="added-meanwhile", case_id=locked.id, bpmn_id="elsewhere", name="Meanwhile",
                                  kind="duration", due_at=clock.now(), created_at=clock.now()))
            locked.lock_version += 1
            uow.session.flush()
            holding.set()
            time.sleep(0.5)

    def completion_reads():
        holding.wait(10)
        with case_engine.store.transaction() as uow:
            task = uow.lock_task(task_id, case_engine.tasks.views.rule_kinds())
            waited["timers"] = [t.id for t in uow.timers(task.case_id)]
            waited["version"] = task.case.lock_version

    threads = [threading.Thread(target=other_step), threading.Thread(target=completion_reads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert "added-meanwhile" in waited["timers"], waited
    assert waited["version"] == case["version"] + 1


def test_firing_a_timer_takes_five_statements(case_engine, people, clock):
    """Per timer fired, not per run: a run's claims (take a batch, free it, find nothing more)
    cost the same whether it fires one timer or three."""
    def run_with(due: int) -> list[str]:
        for _ in range(due):
            case_engine.cases.open_case(people["carol"], ADULT, model_id="reminder", confirm_new_client=True)
        clock.advance("P1DT1H")
        return statements_of(case_engine, case_engine.timers.run_due)

    one, three = run_with(1), run_with(3)
    per_timer = (len(three) - len(one)) / 2
    # lock (case, state, timers, open tasks), audit, task insert, timer delete, case with the state
    assert per_timer <= 5 + separate_state_update(case_engine) + extra_inserts(case_engine) // 2, (one, three)
    assert len(one) - per_timer <= 6, ("the run's own claims", one)

def test_postgresql_never_compiles_a_one_case_statement(db_engine):
    """With stale statistics the planner can price the locked read of one case over PostgreSQL's
    JIT threshold, and each completion then spends ~30 ms compiling it (bench/loop_history.py at
    week 2,000). casepath's connections run with JIT off; a URL that sets it keeps its choice."""
    if db_engine.dialect.name != "postgresql":
        return  # SQLite has no JIT
    from sqlalchemy import text

    from engine.store.db import make_engine

    with db_engine.connect() as conn:
        assert conn.execute(text("SHOW jit")).scalar_one() == "off"
    chosen = make_engine(db_engine.url.update_query_dict({"options": "-c jit=on"}).render_as_string(False))
    try:
        with chosen.connect() as conn:
            assert conn.execute(text("SHOW jit")).scalar_one() == "on"
    finally:
        chosen.dispose()


def test_sqlite_commits_wait_for_the_disk(db_engine):
    """A step someone was told was saved survives a power cut: SQLite commits with
    synchronous=FULL, whatever its build's default (the completion bench shows its cost)."""
    if db_engine.dialect.name != "sqlite":
        return  # PostgreSQL's commits wait for its WAL flush
    from sqlalchemy import text

    with db_engine.connect() as conn:
        assert conn.execute(text("PRAGMA synchronous")).scalar_one() == 2  # FULL
