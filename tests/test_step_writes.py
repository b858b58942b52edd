"""A step's rows are written by casepath's own writer (engine/store/step_writer.py), or by the
ORM's flush when the step left something pending that the writer does not know. Either way
the case must come out the same: the same stage, tasks, timers, record and audit trail, with
the hash chains intact."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from engine.store import step_writer
from tests.support.people import ADULT
from tests.support.plan_approval import PLAN


def plan_approved(case_engine, people) -> dict:
    """Carol writes the plan, Sam approves it: the case waits on its follow-up timer."""
    case = case_engine.cases.open_case(people["carol"], ADULT)
    done = case_engine.tasks.complete(people["carol"], case["tasks"][0]["id"], PLAN)
    case_engine.tasks.complete(people["sam"], done["next_tasks"][0]["id"], {"decision": "approve"})
    return case_engine.cases.get_case(people["sam"], case["id"])


def what_happened(case_engine, people, case: dict) -> dict:
    """The case as a supervisor sees it, without what differs between any two cases (ids, times)."""
    audit = case_engine.record.audit(people["sam"], case["id"])
    timeline = case_engine.record.timeline(people["sam"], case["id"])
    return {"stage": case["stage"], "status": case["status"], "version": case["version"],
            "tasks": sorted(t["name"] for t in case["tasks"]),
            "timers": sorted(t["name"] for t in case["timers"]),
            "audit": [(e["kind"], e["actor"], e.get("bpmn_id")) for e in audit if e["kind"] != "record_read"],
            "record": [(e["kind"], e["title"], e["author"]) for e in timeline]}


def test_a_step_the_writer_hands_to_the_orm_comes_out_the_same(case_engine, people, monkeypatch):
    written_directly = what_happened(case_engine, people, plan_approved(case_engine, people))

    def not_here(*_args, **_kwargs):
        raise step_writer.NotWrittenHere("as if the step had left a row of another kind")

    monkeypatch.setattr(step_writer, "collect", not_here)
    flushed = what_happened(case_engine, people, plan_approved(case_engine, people))

    assert flushed == written_directly
    assert written_directly["stage"] == "follow_up" and written_directly["timers"]
    verified = case_engine.record.verify(people["ada"])
    assert verified["checked"] > 0 and verified["breaks"] == []


def _refuse_record_entries(db) -> None:
    """The database itself refuses every new record entry (a trigger), as a full disk or a
    broken constraint would refuse a step's write."""
    with db.begin() as connection:
        if db.dialect.name == "sqlite":
            connection.execute(text("CREATE TRIGGER refuse_entries BEFORE INSERT ON record_entries "
                                    "BEGIN SELECT RAISE(ABORT, 'refused by the database'); END"))
        else:
            connection.execute(text("CREATE FUNCTION refuse_entries() RETURNS trigger LANGUAGE plpgsql AS "
                                    "$$ BEGIN RAISE EXCEPTION 'refused by the database'; END $$"))
            connection.execute(text("CREATE TRIGGER refuse_entries BEFORE INSERT ON record_entries "
                                    "FOR EACH ROW EXECUTE FUNCTION refuse_entries()"))


def test_a_completion_the_database_refuses_changes_nothing(case_engine, people):
    """Carol completes a task, but the database refuses the step's record entry: she gets the
    database's error (SQLAlchemy's, naming the statement), and the case is as she found it:
    the task still open for her, the same version, no audit event or record entry added."""
    case = case_engine.cases.open_case(people["carol"], ADULT, model_id="monitoring_loop")
    task_id = case["tasks"][0]["id"]
    before = what_happened(case_engine, people, case_engine.cases.get_case(people["sam"], case["id"]))
    _refuse_record_entries(case_engine.sessions.kw["bind"])

    with pytest.raises(DBAPIError, match="refused by the database") as refused:
        case_engine.tasks.complete(people["carol"], task_id, {"note": "Weekly call", "done": False})

    assert "record_entries" in str(refused.value)
    after = case_engine.cases.get_case(people["sam"], case["id"])
    assert what_happened(case_engine, people, after) == before
    assert [t["id"] for t in after["tasks"]] == [task_id]
