"""Retention (NASW Std 10): a closed record past its program's period is listed for disposal and
disposed of only on a supervisor's approval, never under a legal hold; what remains is an audited
tombstone, and the hash chains still verify."""
from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import text

from engine.errors import Conflict, Forbidden, NotFound
from engine.policy import operator
from tests.support.lifecycle import APPROVE, CLOSURE, CONTACT, FOLLOW_UP

pytestmark = pytest.mark.lifecycle


@pytest.fixture
def finished(story, case_engine):
    """Ruth's case worked to its end: closed, both follow-up calls made (status completed)."""
    case_engine.programs.add(operator("ada"), "Aging services", "case_lifecycle")
    case_engine.retention.set_period(operator("ada"), "Aging services", 365)
    ruth, other = story(), story(confirm_new_client=True)
    ruth.to_monitoring()
    ruth.wait("P30D")
    ruth.do("carol", "log_contact", {**CONTACT, "next_step": "close"})
    ruth.do("carol", "close_case", CLOSURE)
    ruth.do("sam", "approve_closure", APPROVE)
    ruth.wait("P30D")
    ruth.do("carol", "check_in_30", FOLLOW_UP)
    ruth.wait("P60D")
    ruth.do("carol", "check_in_90", FOLLOW_UP)
    assert ruth.refresh()["status"] == "completed"
    return ruth, other


def test_a_legal_hold_blocks_disposal_until_it_is_lifted(finished, case_engine, people, clock, db_engine):
    ruth, other = finished
    with pytest.raises(Forbidden, match="kept until"):
        case_engine.retention.dispose(people["sam"], ruth.id)
    assert case_engine.retention.due(people["sam"]) == []

    clock.advance("P366D")
    case_engine.retention.place_hold(people["sam"], ruth.id, "Subpoena, county court case 26-114")
    due = case_engine.retention.due(people["sam"])
    assert [(d["case_id"], d["legal_hold"]) for d in due] == [(ruth.id, True)], "the other case is still open"
    with pytest.raises(Conflict, match="legal hold .Subpoena"):
        case_engine.retention.dispose(people["sam"], ruth.id)
    assert ruth.record(), "nothing was removed"
    with pytest.raises(Forbidden):
        case_engine.retention.dispose(people["carol"], ruth.id)

    with pytest.raises(Conflict, match="legal hold"):
        case_engine.retention.request_disposal(people["carol"], ruth.id)
    case_engine.retention.lift_holds(people["sam"], ruth.id, "the court case settled")
    with pytest.raises(Conflict, match="not been requested"):
        case_engine.retention.dispose(people["sam"], ruth.id)
    with pytest.raises(Forbidden):
        case_engine.retention.request_disposal(people["sam"], ruth.id)
    case_engine.retention.request_disposal(people["carol"], ruth.id, "past the seven years")
    with pytest.raises(Conflict, match="already requested"):
        case_engine.retention.request_disposal(people["ada"], ruth.id)
    with pytest.raises(Forbidden, match="only a supervisor"):
        case_engine.retention.dispose(people["ada"], ruth.id)
    assert case_engine.retention.due(people["sam"])[0]["disposal_requested_by"] == "carol"
    tombstone = case_engine.retention.dispose(people["sam"], ruth.id)
    assert tombstone["requested_by"] == "carol"
    assert tombstone["approved_by"] == "sam" and tombstone["entries_disposed"] > 5 and tombstone["record_head"]

    with pytest.raises(NotFound):
        case_engine.record.timeline(people["sam"], ruth.id)
    assert ruth.id not in [c["id"] for c in case_engine.cases.list_cases(people["ada"])]
    assert case_engine.record.verify(people["ada"])["breaks"] == [], "every chain left still verifies"
    with db_engine.connect() as connection:
        left = connection.execute(text("SELECT count(*) FROM record_entries WHERE case_id = :c"), {"c": ruth.id})
        assert left.scalar() == 0
        client = connection.execute(text("SELECT cl.last_name, cl.birth_date FROM clients cl JOIN cases c "
                                          "ON c.client_id = cl.id WHERE c.id = :c"), {"c": ruth.id}).one()
        assert tuple(client) == ("[disposed]", None)
        event = connection.execute(text("SELECT actor, data FROM audit_events WHERE kind = 'record_disposed'")).one()
        assert event.actor == "sam" and "carol" in str(event.data)
    # the database still refuses to delete any other case's record
    with pytest.raises(Exception, match="append-only"):
        with db_engine.begin() as connection:
            connection.execute(text("DELETE FROM record_entries WHERE case_id = :c"), {"c": other.id})


def test_the_api_lists_and_disposes(finished, login, clock):
    ruth, _ = finished
    clock.advance("P366D")
    sam = login("sam")
    assert [d["case_id"] for d in sam.get("/api/retention/due").get_json()] == [ruth.id]
    assert sam.post(f"/api/cases/{ruth.id}/legal-hold", json={"reason": "audit by the state"}).status_code == 201
    refused = sam.post(f"/api/cases/{ruth.id}/disposal")
    assert refused.status_code == 409 and "legal hold" in refused.get_json()["error"]["message"]
    assert sam.post(f"/api/cases/{ruth.id}/legal-hold/lift").status_code == 200
    assert sam.post(f"/api/cases/{ruth.id}/disposal").status_code == 409, "no one requested it"
    assert sam.post(f"/api/cases/{ruth.id}/disposal-request").status_code == 403
    asked = login("ada").post(f"/api/cases/{ruth.id}/disposal-request", json={"reason": "policy"})
    assert asked.status_code == 201 and asked.get_json()["requested_by"] == "ada"
    assert sam.post(f"/api/cases/{ruth.id}/disposal").get_json()["case_id"] == ruth.id
    assert sam.get(f"/api/cases/{ruth.id}").status_code == 404
    assert login("carol").get("/api/retention/due").status_code == 403


def test_the_requester_never_approves(finished, case_engine, people, clock):
    """A supervisor who is also a case manager cannot approve the request they made."""
    ruth, _ = finished
    clock.advance("P366D")
    both = dataclasses.replace(people["sam"], roles=("supervisor", "case_manager"))
    case_engine.retention.request_disposal(both, ruth.id)
    with pytest.raises(Forbidden, match="another supervisor"):
        case_engine.retention.dispose(both, ruth.id)
    assert case_engine.retention.dispose(people["sue"], ruth.id)["requested_by"] == "sam"
