"""Regression guard on the work one completion costs: statements sent to the database, not
time (time is measured in bench/, never asserted here). A completion locks its case with the
task and workflow state in one read, and writes each table once."""
from __future__ import annotations

from sqlalchemy import event

from tests.support.people import ADULT

CONTACT = {"note": "Weekly call", "done": False}


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


def test_a_completion_takes_eleven_statements(case_engine, people):
    case = case_engine.cases.open_case(people["carol"], ADULT, model_id="monitoring_loop")
    task_id = case["tasks"][0]["id"]
    seen = statements_of(case_engine, lambda: case_engine.tasks.complete(people["carol"], task_id, CONTACT))
    # lock (task+case+state), open tasks, timers, 3 inserts (record, audit, timer), 3 updates
    # (task, state, case with its chain heads), the consents on file and the linked-case lookup
    # of the answer
    assert len(seen) <= 11 + extra_inserts(case_engine), seen


def test_firing_a_timer_takes_ten_statements(case_engine, people, clock):
    case_engine.cases.open_case(people["carol"], ADULT, model_id="reminder")
    clock.advance("P1DT1H")
    seen = statements_of(case_engine, case_engine.timers.run_due)
    # claim, lock (case+state), timers, open tasks, audit, task insert, state, timer delete, case; claim again
    assert len(seen) <= 10 + extra_inserts(case_engine) // 2, seen
