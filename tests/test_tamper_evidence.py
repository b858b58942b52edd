"""Integrity you can prove: the audit trail and the signed record refuse UPDATE and DELETE at
the database, a case with a record cannot be deleted, and an edit that got past all of that
(a superuser who turned the guards off) breaks the hash chain, which `casepath audit verify`
names."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DatabaseError

from engine.store.models import AuditEvent, Case, RecordEntry
from tests.support.plan_approval import PLAN
from tests.support.people import ADULT


@pytest.fixture
def worked_case(case_engine, people):
    case = case_engine.cases.open_case(people["carol"], ADULT)
    done = case_engine.tasks.complete(people["carol"], case["tasks"][0]["id"], PLAN)
    return done["case"]


def raw(case_engine, statement: str, **params):
    with case_engine.sessions() as session, session.begin():
        session.execute(text(statement), params)


def guards_off(case_engine, table: str) -> str:
    """What an attacker with the database owner's rights would do first."""
    if case_engine.store.is_postgres:
        return f"ALTER TABLE {table} DISABLE TRIGGER USER"
    return f"DROP TRIGGER {table}_no_update"


def verify(app):
    from web.cli import audit_verify_command

    return app.test_cli_runner().invoke(audit_verify_command)


@pytest.mark.parametrize("table", ["audit_events", "record_entries"])
def test_plain_sql_cannot_change_or_delete_the_trail(case_engine, worked_case, table):
    for statement in (f"UPDATE {table} SET case_id = case_id", f"DELETE FROM {table}"):
        with pytest.raises(DatabaseError, match="append-only"):
            raw(case_engine, statement)
    model = {"audit_events": AuditEvent, "record_entries": RecordEntry}[table]
    with pytest.raises(DatabaseError, match="append-only"):  # ORM bulk statements skip the ORM's own guard
        with case_engine.sessions() as session, session.begin():
            session.execute(update(model).values(case_id=model.case_id).execution_options(synchronize_session=False))


def test_a_case_with_a_record_cannot_be_deleted(case_engine, worked_case):
    with pytest.raises(DatabaseError, match="append-only"):
        with case_engine.sessions() as session, session.begin():
            session.execute(delete(Case).where(Case.id == worked_case["id"]))
    with case_engine.sessions() as session:
        assert session.get(Case, worked_case["id"]) is not None


def test_an_intact_trail_verifies(app, worked_case):
    result = verify(app)
    assert result.exit_code == 0, result.stderr
    assert "every chain intact" in result.stdout


def test_a_forged_author_is_caught_by_verify(app, case_engine, worked_case, people):
    entry = case_engine.record.timeline(people["sam"], worked_case["id"])[-1]
    raw(case_engine, guards_off(case_engine, "record_entries"))
    raw(case_engine, "UPDATE record_entries SET author = 'sam' WHERE id = :id", id=entry["id"])

    result = verify(app)
    assert result.exit_code == 1
    assert (f"record_entries row {entry['id']} (case {worked_case['id']}): its content does not match its hash"
            in result.stderr)


def test_a_removed_audit_event_is_caught_by_verify(app, case_engine, worked_case, people):
    events = case_engine.record.audit(people["sam"], worked_case["id"])
    removed, following = events[2], events[3]
    if case_engine.store.is_postgres:
        raw(case_engine, guards_off(case_engine, "audit_events"))
    else:
        raw(case_engine, "DROP TRIGGER audit_events_no_delete")
    raw(case_engine, "DELETE FROM audit_events WHERE id = :id", id=removed["id"])

    result = verify(app)
    assert result.exit_code == 1
    assert f"audit_events row {following['id']} (case {worked_case['id']}): it does not follow row" in result.stderr
