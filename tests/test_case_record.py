"""The case record (NASW Std 10): entries are dated, signed and immutable; corrections point at the old."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.store.record_guard import RecordEntryImmutable
from engine.store.models import RecordEntry
from tests.support.people import ADULT


@pytest.fixture
def case_id(login):
    return login("carol").post("/api/cases", json={"client": ADULT}).get_json()["id"]


def test_a_supervisor_writes_a_supervision_note_and_a_case_manager_may_not(login, case_id):
    sam, carol = login("sam"), login("carol")
    note = sam.post(f"/api/cases/{case_id}/record",
                    json={"kind": "supervision_note", "data": {"note": "Discussed the fall risk; visit weekly"}})
    assert note.status_code == 201
    assert (note.get_json()["author"], note.get_json()["signed_at"]) == ("sam", "2026-01-05T09:00:00+00:00")
    refused = carol.post(f"/api/cases/{case_id}/record", json={"kind": "supervision_note", "data": {"note": "x"}})
    assert refused.status_code == 403
    timeline = carol.get(f"/api/cases/{case_id}/timeline").get_json()
    assert [e["kind"] for e in timeline].count("supervision_note") == 1


def test_receipts_and_contacts_are_validated_like_forms(login, case_id):
    carol = login("carol")
    bad = carol.post(f"/api/cases/{case_id}/record",
                     json={"kind": "financial", "data": {"direction": "disbursement", "amount": -5}})
    assert bad.status_code == 422
    fields = {d["field"] for d in bad.get_json()["error"]["details"]}
    assert {"amount", "party", "purpose", "on"} <= fields
    ok = carol.post(f"/api/cases/{case_id}/record", json={"kind": "financial", "data": {
        "direction": "disbursement", "amount": 42.5, "party": "City Pharmacy", "purpose": "prescriptions",
        "on": "2026-01-05"}})
    assert ok.status_code == 201
    unknown = carol.post(f"/api/cases/{case_id}/record", json={"kind": "gossip", "data": {}})
    assert unknown.status_code == 422


def test_a_correction_is_a_new_entry_and_the_original_never_changes(login, case_id):
    carol, ivy = login("carol"), login("ivy")
    first = carol.post(f"/api/cases/{case_id}/record", json={"kind": "contact", "data": {
        "occurred_at": "2026-01-05T08:30:00Z", "contact_with": "client", "mode": "phone",
        "note": "Ruth reports no falls"}}).get_json()
    no_reason = carol.post(f"/api/cases/{case_id}/record/{first['id']}/corrections",
                           json={"data": {**first["data"], "note": "x"}})
    assert no_reason.status_code == 422
    not_author = ivy.post(f"/api/cases/{case_id}/record/{first['id']}/corrections",
                           json={"data": first["data"], "reason": "typo"})
    assert not_author.status_code == 404, "intake no longer sees a case past screening"
    fixed = carol.post(f"/api/cases/{case_id}/record/{first['id']}/corrections",
                       json={"data": {**first["data"], "note": "Ruth reports one fall, no injury"},
                             "reason": "misheard on the phone"})
    assert fixed.status_code == 201 and fixed.get_json()["corrects"] == first["id"]
    again = carol.post(f"/api/cases/{case_id}/record/{first['id']}/corrections",
                       json={"data": first["data"], "reason": "again"})
    assert again.status_code == 409
    entries = {e["id"]: e for e in carol.get(f"/api/cases/{case_id}/timeline").get_json()}
    assert entries[first["id"]]["data"]["note"] == "Ruth reports no falls", "the original stays as signed"
    assert entries[first["id"]]["corrected_by"] == fixed.get_json()["id"]


def test_the_database_layer_refuses_to_change_a_signed_entry(case_engine, case_id):
    with case_engine.sessions() as session:
        entry = session.scalars(select(RecordEntry).where(RecordEntry.case_id == case_id)).first()
        entry.data = {"tampered": True}
        with pytest.raises(RecordEntryImmutable):
            session.commit()
        session.rollback()
        session.delete(session.get(RecordEntry, entry.id))
        with pytest.raises(RecordEntryImmutable):
            session.commit()
