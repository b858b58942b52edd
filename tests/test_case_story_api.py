"""Stories told through the JSON API, on SQLite and PostgreSQL."""
from __future__ import annotations

from tests.support.people import ADULT
from tests.support.plan_approval import PLAN


def open_case(client, **overrides):
    response = client.post("/api/cases", json={"client": {**ADULT, **overrides}, "program": "Aging services"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def only_task(case):
    assert len(case["tasks"]) == 1, case["tasks"]
    return case["tasks"][0]


def test_a_supervisor_returns_the_plan_and_approves_the_revision(login, clock, case_engine):
    carol, sam = login("carol"), login("sam")
    case = open_case(carol)
    assert case["stage"] == "planning"
    assert case["process"] == {"model": "plan_approval", "version": 1, "active_elements": ["write_plan"]}
    write = only_task(case)
    assert (write["name"], write["lane"], write["assignee"]) == ("Write the service plan", "case_manager", "carol")

    done = carol.post(f"/api/tasks/{write['id']}/complete", json={"data": PLAN})
    assert done.status_code == 200, done.get_json()
    approve = only_task(done.get_json()["case"])
    assert approve["lane"] == "supervisor"
    assert approve["due_at"] == "2026-01-07T09:00:00+00:00"  # dueIn P2D

    # A case manager cannot decide a supervisor's approval.
    refused = carol.post(f"/api/tasks/{approve['id']}/complete", json={"data": {"decision": "approve"}})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "forbidden"

    returned = sam.post(f"/api/tasks/{approve['id']}/complete",
                        json={"data": {"decision": "return", "comments": "Add a target date you can keep"}})
    assert returned.status_code == 200
    revise = only_task(returned.get_json()["case"])
    assert revise["bpmn_id"] == "write_plan" and revise["assignee"] == "carol"
    prefill = carol.get(f"/api/tasks/{revise['id']}").get_json()
    assert prefill["data"] == PLAN, "the revision starts from the last answers"
    assert prefill["schema"]["title"] == "Service plan"

    revised = carol.post(f"/api/tasks/{revise['id']}/complete",
                         json={"data": {**PLAN, "target_date": "2026-04-01"}}).get_json()
    approve_again = only_task(revised["case"])
    approved = sam.post(f"/api/tasks/{approve_again['id']}/complete", json={"data": {"decision": "approve"}})
    case = approved.get_json()["case"]
    assert case["stage"] == "follow_up" and case["tasks"] == []
    assert [(t["bpmn_id"], t["due_at"]) for t in case["timers"]] == [
        ("follow_up_wait", "2026-02-04T09:00:00+00:00")]

    clock.advance("P31D")
    assert case_engine.timers.fire_due_timers() == 1
    assert sam.get("/api/me").status_code == 401, "a month later the API token has expired"
    carol, sam = login("carol"), login("sam")
    closed = sam.get(f"/api/cases/{case['id']}").get_json()
    assert (closed["stage"], closed["status"]) == ("closed", "completed")
    assert closed["closed_at"] == "2026-01-05T09:00:00+00:00", "closed when follow-up began, not when it ended"

    timeline = sam.get(f"/api/cases/{case['id']}/timeline").get_json()
    signed = [(e["kind"], e["author"]) for e in timeline if e["kind"] not in ("stage_change",)]
    assert signed == [("referral", "carol"), ("plan", "carol"), ("approval", "sam"), ("plan", "carol"),
                      ("approval", "sam")]
    assert all(e["signed_at"] and e["recorded_at"] for e in timeline)
    returned_entry = [e for e in timeline if e["kind"] == "approval"][0]
    assert returned_entry["data"]["comments"] == "Add a target date you can keep"

    audit = sam.get(f"/api/cases/{case['id']}/audit").get_json()
    kinds = [e["kind"] for e in audit]
    assert kinds.count("task_completed") == 4
    decision = next(e for e in audit if e["kind"] == "decision")
    assert decision["data"]["inputs"] == {"Age": 78} and decision["data"]["matched"][0]["rule"] == "rule_senior"
    branches = [e["data"]["target"] for e in audit if e["kind"] == "gateway"]
    assert branches == ["write_plan", "write_plan", "follow_up_wait"]
    assert any(e["kind"] == "timer_fired" and e["bpmn_id"] == "follow_up_wait" for e in audit)
    # Case managers do not read the audit trail.
    assert carol.get(f"/api/cases/{case['id']}/audit").status_code == 403


def test_a_young_client_is_found_ineligible_by_the_decision_table(login):
    case = open_case(login("ivy"), birth_date="1995-06-01")
    assert (case["stage"], case["status"], case["tasks"], case["timers"]) == ("ineligible", "completed", [], [])


def test_invalid_form_data_is_refused_field_by_field_and_changes_nothing(login):
    carol = login("carol")
    case = open_case(carol)
    task = only_task(case)
    bad = carol.post(f"/api/tasks/{task['id']}/complete", json={"data": {"goal": "x", "target_date": "soon"}})
    assert bad.status_code == 422
    error = bad.get_json()["error"]
    assert error["code"] == "invalid_data"
    fields = {d["field"]: d["message"] for d in error["details"]}
    assert set(fields) == {"goal", "target_date"}
    after = carol.get(f"/api/cases/{case['id']}").get_json()
    assert after["tasks"] == case["tasks"] and after["version"] == case["version"]
    assert [e["kind"] for e in carol.get(f"/api/cases/{case['id']}/timeline").get_json()] == ["referral",
                                                                                             "stage_change"]


def test_a_stale_or_double_completion_gets_409(login):
    carol = login("carol")
    case = open_case(carol)
    task = only_task(case)
    stale_version = case["version"]
    first = carol.post(f"/api/tasks/{task['id']}/complete", json={"data": PLAN, "version": stale_version})
    assert first.status_code == 200
    again = carol.post(f"/api/tasks/{task['id']}/complete", json={"data": PLAN})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"
    approve = only_task(first.get_json()["case"])
    stale = login("sam").post(f"/api/tasks/{approve['id']}/complete",
                              json={"data": {"decision": "approve"}, "version": stale_version})
    assert stale.status_code == 409
    assert "changed since you loaded it" in stale.get_json()["error"]["message"]


def test_claim_unclaim_and_assign(login):
    carol, cody, sam, sue, ivy = login("carol"), login("cody"), login("sam"), login("sue"), login("ivy")
    case = open_case(ivy)  # intake opens the case: no case manager yet
    task = only_task(case)
    assert task["assignee"] is None
    assert [t["id"] for t in cody.get("/api/tasks?scope=available").get_json()] == [task["id"]]
    assert [t["id"] for t in carol.get("/api/tasks?scope=available").get_json()] == [task["id"]]
    assert cody.post(f"/api/tasks/{task['id']}/claim").get_json()["assignee"] == "cody"
    # Claiming made the case cody's caseload: another case manager no longer sees it.
    assert carol.get("/api/tasks?scope=available").get_json() == []
    assert carol.post(f"/api/tasks/{task['id']}/claim").status_code == 404
    assert sam.get(f"/api/cases/{case['id']}").get_json()["case_manager"] == "cody"
    assert cody.post(f"/api/tasks/{task['id']}/unclaim").get_json()["assignee"] is None
    assert carol.post(f"/api/tasks/{task['id']}/assign", json={"username": "cody"}).status_code == 403
    wrong_role = sam.post(f"/api/tasks/{task['id']}/assign", json={"username": "ivy"})
    assert wrong_role.status_code == 422 and wrong_role.get_json()["error"]["details"][0]["field"] == "username"
    other_team = sam.post(f"/api/tasks/{task['id']}/assign", json={"username": "olga"})
    assert other_team.status_code == 422
    assigned = sam.post(f"/api/tasks/{task['id']}/assign", json={"username": "carol"})
    assert assigned.status_code == 200 and assigned.get_json()["assignee"] == "carol"
    assert [t["id"] for t in carol.get("/api/tasks?scope=mine").get_json()] == [task["id"]]
    assert cody.get("/api/tasks?scope=mine").get_json() == []

    approval = only_task(carol.post(f"/api/tasks/{task['id']}/complete", json={"data": PLAN}).get_json()["case"])
    assert approval["assignee"] is None
    assert sam.post(f"/api/tasks/{approval['id']}/claim").status_code == 200
    taken = sue.post(f"/api/tasks/{approval['id']}/claim")
    assert taken.status_code == 409 and "sam" in taken.get_json()["error"]["message"]
    assert sue.post(f"/api/tasks/{approval['id']}/complete",
                    json={"data": {"decision": "approve"}}).status_code == 409
    assert [t["id"] for t in sue.get("/api/tasks?scope=all").get_json()] == [approval["id"]]


def test_people_only_see_their_teams_cases_and_others_get_404(login):
    carol, olga, seth, ada = login("carol"), login("olga"), login("seth"), login("ada")
    case = open_case(carol)
    task = only_task(case)
    assert olga.get(f"/api/cases/{case['id']}").status_code == 404
    assert olga.get(f"/api/tasks/{task['id']}").status_code == 404
    assert olga.post(f"/api/tasks/{task['id']}/complete", json={"data": PLAN}).status_code == 404
    assert seth.get(f"/api/cases/{case['id']}/timeline").status_code == 404
    assert olga.get("/api/cases").get_json() == [] and olga.get("/api/tasks").get_json() == []
    assert [c["id"] for c in carol.get("/api/cases?assigned_to=me").get_json()] == [case["id"]]
    assert [c["id"] for c in ada.get("/api/cases?q=okaf").get_json()] == [case["id"]]
    assert ada.get("/api/cases?stage=closed").get_json() == []
