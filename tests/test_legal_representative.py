"""Who may act for the client (NASW 2013 Std 1: a client who cannot consent is represented by
someone with legal authority): a guardian goes on the record and the case page shows who
may sign; the risk screen asks about exploitation and the crisis plan names warning signs."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.lifecycle

GUARDIAN = {"name": "Grace Okafor", "relationship": "daughter", "authority": "guardian_of_person",
            "may_sign": True, "document": "Letters of guardianship, county court", "valid_until": "2027-12-31"}


def test_intake_records_a_guardian_and_the_case_page_shows_who_may_sign(story, login, browse):
    ruth = story()
    added = login("ivy").post(f"/api/cases/{ruth.id}/record", json={"kind": "legal_representative",
                                                                    "data": GUARDIAN})
    assert added.status_code == 201, added.get_json()
    page = browse("sam").get(f"/cases/{ruth.id}")
    assert "Grace Okafor" in page.text and "may sign for the client" in page.text
    ended = login("ivy").post(f"/api/cases/{ruth.id}/record", json={"kind": "legal_representative",
                                                                    "data": {**GUARDIAN, "ended": True}})
    assert ended.status_code == 201
    assert "may sign for the client" not in browse("sam").get(f"/cases/{ruth.id}").text


def test_exploitation_on_the_risk_screen_starts_the_risk_response(story):
    ruth = story()
    ruth.screen()
    ruth.engage()
    ruth.assess(risk=("exploitation",))
    assert ruth.refresh()["acuity"] == "high"
    assert "crisis_plan" in ruth.open_tasks()


def test_a_crisis_plan_without_its_warning_signs_is_refused(story, login):
    ruth = story()
    ruth.screen()
    ruth.engage()
    ruth.assess(risk=("suicide",))
    task = ruth.task("crisis_plan")
    refused = login("carol").post(f"/api/tasks/{task['id']}/complete", json={"data": {
        "risk_summary": "Suicidal thoughts", "safety_steps": ["Daily call"], "crisis_line_given": True}})
    assert refused.status_code == 422
    assert "warning_signs" in [d["field"] for d in refused.get_json()["error"]["details"]]
