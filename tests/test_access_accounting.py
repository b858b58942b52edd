"""Accounting of access: every time a person reads a client's record (the case, its page,
its timeline, a task, the printed plan) it is on the record with who, when and from
which page or route, and a supervisor can see the list."""
from __future__ import annotations

from tests.support.people import ADULT
from tests.support.plan_approval import PLAN


def test_a_supervisor_sees_who_read_the_record_and_from_where(case_engine, people, login, browse):
    case = case_engine.cases.open_case(people["carol"], ADULT)
    task_id = case["tasks"][0]["id"]
    carol_api, carol_pages = login("carol"), browse("carol")
    assert carol_api.get(f"/api/cases/{case['id']}/timeline").status_code == 200
    assert carol_pages.get(f"/cases/{case['id']}").status_code == 200
    assert carol_pages.get(f"/tasks/{task_id}").status_code == 200
    case_engine.tasks.complete(people["carol"], task_id, PLAN)

    reads = login("sam").get(f"/api/cases/{case['id']}/access").get_json()
    assert [(r["who"], r["what"], r["why"]) for r in reversed(reads)] == [
        ("carol", "timeline", f"GET /api/cases/{case['id']}/timeline"),
        ("carol", "case page", f"GET /cases/{case['id']}"),
        ("carol", "task", f"GET /tasks/{task_id}"),
    ], "the engine's own steps and the opening of the case are not reads"

    page = browse("sam").get(f"/cases/{case['id']}/access").get_data(as_text=True)
    assert f"GET /cases/{case['id']}" in page and "carol" in page
    # reading the list is itself a supervisor's privilege, and the case page links to it
    assert carol_api.get(f"/api/cases/{case['id']}/access").status_code == 403
    assert browse("carol").get(f"/cases/{case['id']}/access").status_code == 403
    assert "Who has read this record" in browse("sam").get(f"/cases/{case['id']}").get_data(as_text=True)


def test_substance_use_and_abuse_findings_are_for_the_cases_own_staff(lifecycle_engine, people, clock):
    from tests.support.lifecycle import ENGAGED, SCREENED, Story, assessed

    ruth = Story(lifecycle_engine, people, clock)
    ruth.do("ivy", "screen_referral", SCREENED)
    # an administrator covers engagement and assessment, so no case manager owns the case yet
    ruth.do("ada", "engage_client", ENGAGED)
    ruth.do("ada", "assess", assessed(needs=("alcohol_drug_use", "physical_health"), risk=("abuse",)))
    assert ruth.refresh()["case_manager"] is None

    def assessment(person):
        entry = next(e for e in lifecycle_engine.record.timeline(people[person], ruth.id) if e["kind"] == "assessment")
        return entry["data"]["domains"]["alcohol_drug_use"], entry["data"]["risk_screen"]["abuse"], \
            entry["data"]["domains"]["physical_health"]["need_identified"]

    assert assessment("sam") == ({"strengths": "", "needs": "help needed", "preferences": "",
                                  "need_identified": True}, True, True)
    withheld = "withheld: sensitive; ask the case manager or supervisor"
    assert assessment("cody") == (withheld, withheld, True), "a team worker sees the rest, not the findings"
    page = lifecycle_engine.pages.case_page(people["cody"], ruth.id)
    shown = next(e for e in page["timeline"] if e["kind"] == "assessment")
    assert shown["data"]["domains"]["alcohol_drug_use"] == withheld


def test_a_former_holder_loses_the_task_with_the_case(lifecycle_engine, people, clock, lifecycle_app):
    from tests.support.clients import ApiClient
    from tests.support.lifecycle import SCREENED, Story

    ruth = Story(lifecycle_engine, people, clock)
    screening = ruth.task("screen_referral")["id"]
    ruth.do("ivy", "screen_referral", SCREENED)  # intake's view ends when screening does
    ivy = ApiClient(lifecycle_app, "ivy")
    assert ivy.get(f"/api/tasks/{screening}").status_code == 404
    assert ivy.get(f"/api/cases/{ruth.id}").status_code == 404
    assert ApiClient(lifecycle_app, "sam").get(f"/api/tasks/{screening}").status_code == 200


def test_the_form_catalog_is_for_administrators(login):
    assert login("carol").get("/api/forms").status_code == 403
    assert login("ada").get("/api/forms").status_code == 200
