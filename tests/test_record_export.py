"""Exporting a client's complete record (NASW Std 10): JSON, PDF and FHIR R4. A release to another
provider needs a release of information in force naming it; every export and every refusal is a
logged disclosure (what, to whom, when, by whom)."""
from __future__ import annotations

import pytest
from fhir.resources.R4B.bundle import Bundle

from tests.support.lifecycle import CLOSURE, CONTACT, APPROVE

pytestmark = pytest.mark.lifecycle


@pytest.fixture
def ruth(story, people, case_engine, clock):
    ruth = story()
    ruth.to_monitoring()
    clock.advance("P2D")  # the release to Meals on Wheels is signed on 2026-01-06
    contact = case_engine.record.add_record_entry(people["carol"], ruth.id, "contact", {
        "occurred_at": "2026-01-07T08:30:00Z", "contact_with": "client", "mode": "phone", "note": "Meals arrivng"})
    case_engine.record.correct_record_entry(people["carol"], ruth.id, contact["id"], {
        "occurred_at": "2026-01-07T08:30:00Z", "contact_with": "client", "mode": "phone", "note": "Meals arriving"},
        "typo")
    return ruth


def disclosures(login, case_id):
    return [(r["kind"], r["who"], r["to"]) for r in login("sam").get(f"/api/cases/{case_id}/access").get_json()
            if r["kind"] != "read"]


def test_an_export_to_a_provider_without_a_release_is_refused_and_logged(ruth, login):
    response = login("carol").get(f"/api/cases/{ruth.id}/export?format=json&recipient=County%20Hospital")
    assert response.status_code == 403
    message = response.get_json()["error"]["message"]
    assert "no release of information for County Hospital is on file" in message
    assert disclosures(login, ruth.id) == [("refused", "carol", "County Hospital")]
    audit = login("sam").get(f"/api/cases/{ruth.id}/audit").get_json()
    refused = [e for e in audit if e["kind"] == "record_disclosure_refused"]
    assert refused and refused[0]["actor"] == "carol" and refused[0]["data"]["to"] == "County Hospital"


def test_an_export_under_a_release_in_force_goes_out_and_is_logged(ruth, login, clock):
    response = login("carol").get(f"/api/cases/{ruth.id}/export?recipient=meals%20on%20wheels")
    assert response.status_code == 200
    record = response.get_json()
    assert record["client"]["last_name"] == "Okafor" and record["recipient"] == "meals on wheels"
    assert record["plan"]["status"] == "approved" and record["goals"][0]["goal"] == "Eat a hot meal every weekday"
    assert [t["responsible"] for t in record["tasks"]] == ["Ruth Okafor", "Carol", "Meals on Wheels"]
    assert record["consents"][0]["recipient"] == "Meals on Wheels" and record["consents"][0]["status"] == "valid"
    corrected = next(e for e in record["entries"] if e["kind"] == "contact" and e["corrected_by"])
    correction = next(e for e in record["entries"] if e["id"] == corrected["corrected_by"])
    assert correction["data"]["correction_reason"] == "typo" and correction["corrects"] == corrected["id"]
    assert {"screening", "engagement", "assessment", "service_plan", "approval"} <= {e["kind"] for e in record["entries"]}
    assert record["audit"]["events"] > 0 and "record_read" not in record["audit"]["readers"]

    log = disclosures(login, ruth.id)
    assert log == [("disclosed", "carol", "meals on wheels")]
    event = next(e for e in login("sam").get(f"/api/cases/{ruth.id}/audit").get_json()
                 if e["kind"] == "record_disclosed")
    assert event["at"] == clock.now().isoformat() and event["data"]["consent"]["expires_on"] == "2026-07-01"

    # the release lapses on 2026-07-01: after it the same export is refused
    clock.advance("P200D")
    refused = login("carol").get(f"/api/cases/{ruth.id}/export?recipient=Meals%20on%20Wheels")
    assert refused.status_code == 403 and "expired on 2026-07-01" in refused.get_json()["error"]["message"]


def test_the_fhir_bundle_validates_and_carries_the_plan(ruth, login, people, case_engine):
    ruth.wait("P30D")
    ruth.do("carol", "log_contact", {**CONTACT, "next_step": "close"})
    ruth.do("carol", "close_case", CLOSURE)
    ruth.do("sam", "approve_closure", APPROVE)
    response = login("sam").get(f"/api/cases/{ruth.id}/export?format=fhir")
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    document = response.get_json()
    bundle = Bundle.model_validate(document)  # the FHIR library's own structure check
    kinds = [e.resource.get_resource_type() for e in bundle.entry]
    assert kinds == ["Patient", "CarePlan", "Goal", "Task", "Task", "Task", "Consent"]
    goal = next(e["resource"] for e in document["entry"] if e["resource"]["resourceType"] == "Goal")
    assert goal["achievementStatus"]["coding"][0]["code"] == "achieved", "met at closure"
    plan = next(e for e in document["entry"] if e["resource"]["resourceType"] == "CarePlan")
    assert [g["reference"] for g in plan["resource"]["goal"]] == [
        e["fullUrl"] for e in document["entry"] if e["resource"]["resourceType"] == "Goal"]
    consent = document["entry"][-1]["resource"]
    assert consent["provision"]["actor"][0]["reference"]["display"] == "Meals on Wheels"
    assert disclosures(login, ruth.id) == [("disclosed", "sam", None)], "an export for the agency's file is logged too"


def test_the_pdf_and_who_may_export(ruth, login):
    response = login("carol").get(f"/api/cases/{ruth.id}/export?format=pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert login("sue").get(f"/api/cases/{ruth.id}/export").status_code == 200, "the team's supervisors may"
    assert login("cody").get(f"/api/cases/{ruth.id}/export").status_code == 404, "not his case: not even seen"
    assert login("ivy").get(f"/api/cases/{ruth.id}/export").status_code == 404, "intake no longer sees the case"
    assert login("carol").get(f"/api/cases/{ruth.id}/export?format=xml").status_code == 400


def test_the_case_page_exports_and_shows_a_refusal(ruth, browse):
    carol = browse("carol")
    page = carol.get(f"/cases/{ruth.id}").get_data(as_text=True)
    assert "Export the record" in page and '<option value="Meals on Wheels">' in page
    download = carol.get(f"/cases/{ruth.id}/export?format=json&recipient=Meals+on+Wheels")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    refused = carol.client.get(f"/cases/{ruth.id}/export?format=pdf&recipient=County+Hospital", follow_redirects=True)
    assert "no release of information for County Hospital" in refused.get_data(as_text=True)
    assert "Export the record" not in browse("ivy").get("/cases").get_data(as_text=True)
