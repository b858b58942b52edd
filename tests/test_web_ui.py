"""The browser UI's server side, through Flask's test client: sign-in, CSRF, throttling,
visibility, the inbox's tabs and actions, task forms with per-field errors and drafts,
the case page, the dashboard and the client's copy. (tests/browser drives it in Chromium.)"""
from __future__ import annotations

import html
import json
import re

import pytest

from tests.support.lifecycle import MANY_NEEDS, PLAN
from tests.support.people import PASSWORD

pytestmark = pytest.mark.lifecycle


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


# ---------------------------------------------------------------------- sign-in
def test_pages_ask_for_sign_in_and_a_bad_password_is_refused(browse):
    visitor = browse()
    response = visitor.get("/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = visitor.sign_in("carol", "wrong-password")
    assert response.status_code == 401
    assert "Unknown username or wrong password" in text(response)


def test_repeated_failed_sign_ins_are_slowed_down_then_refused(browse):
    visitor = browse()
    for _ in range(5):
        assert visitor.sign_in("carol", "guess").status_code == 401
    refused = visitor.sign_in("carol", PASSWORD)  # even the right password waits now
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in text(refused)
    assert int(refused.headers["Retry-After"]) > 0
    assert browse().sign_in("cody", PASSWORD).status_code == 302  # a colleague is not locked out


def test_a_change_without_the_csrf_token_is_refused_and_changes_nothing(browse, story):
    ruth = story()
    carol = browse("carol")
    ruth.screen()
    engage_task = ruth.task("engage_client")
    response = carol.post(f"/tasks/{engage_task['id']}/claim", csrf=False)
    assert response.status_code == 400
    assert "reload the page" in text(response)
    assert ruth.task("engage_client")["assignee"] is None


def test_signing_out_ends_the_session(browse):
    carol = browse("carol")
    carol.get("/inbox")
    assert carol.post("/logout").status_code == 302
    assert carol.get("/inbox").status_code == 302


def test_security_headers_and_no_store_on_pages(browse):
    response = browse("carol").get("/inbox")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    cookie = response.request.headers.get("Cookie", "")
    assert "casepath_session" in cookie


# ---------------------------------------------------------------------- visibility
def test_a_case_or_task_the_user_may_not_see_answers_404(browse, story):
    ruth = story()
    ruth.screen()
    task = ruth.task("engage_client")
    olga = browse("olga")  # a case manager on the south team
    assert olga.get(f"/cases/{ruth.id}").status_code == 404
    assert olga.get(f"/tasks/{task['id']}").status_code == 404
    assert olga.get(f"/cases/{ruth.id}/diagram.bpmn").status_code == 404
    assert olga.get("/cases/999999").status_code == 404
    assert browse("carol").get(f"/cases/{ruth.id}").status_code == 200


def test_only_supervisors_see_the_dashboard(browse):
    assert browse("carol").get("/dashboard").status_code == 403
    assert browse("sam").get("/dashboard").status_code == 200


# ---------------------------------------------------------------------- inbox
def test_the_supervisors_first_screen_is_the_approvals_queue(browse, story):
    ruth = story()
    ruth.screen(); ruth.engage(); ruth.assess()
    ruth.do("carol", "write_plan", PLAN)
    page = text(browse("sam").get("/inbox"))
    assert 'aria-current="page" data-tab="approvals"' in page
    assert "Approve the service plan" in page
    assert re.search(r"Approvals <span class=\"count\" aria-label=\"1 tasks\">1</span>", page)


def test_a_case_manager_claims_from_available_and_it_moves_to_my_tasks(browse, story):
    ruth = story()
    ruth.screen()
    carol = browse("carol")
    available = text(carol.get("/inbox?tab=available"))
    assert "Engage the client" in available
    task = ruth.task("engage_client")
    response = carol.post(f"/tasks/{task['id']}/claim", {"next": "/inbox?tab=mine"})
    assert response.status_code == 302 and response.headers["Location"] == "/inbox?tab=mine"
    mine = text(carol.get("/inbox?tab=mine"))
    assert "You claimed “Engage the client and obtain informed consent”" in mine
    assert "Engage the client" in mine
    assert "Engage the client" not in text(carol.get("/inbox?tab=available")).split("list-heading")[-1]
    # the case is carol's caseload now: a colleague's late click finds nothing to take
    assert browse("cody").post(f"/tasks/{task['id']}/claim").status_code == 404
    assert ruth.task("engage_client")["assignee"] == "carol"


def test_filters_sorting_and_saved_filters(browse, story):
    ruth, tom = story(), story(client={"first_name": "Tom", "last_name": "Baker", "birth_date": "1940-01-01"})
    ruth.screen(); tom.screen()
    carol = browse("carol")
    only_tom = text(carol.get("/inbox?tab=available&client=baker"))
    assert "Tom Baker" in only_tom and "Ruth Okafor" not in only_tom
    by_case = text(carol.get(f"/inbox?tab=available&client={ruth.id}"))
    assert "Ruth Okafor" in by_case and "Tom Baker" not in by_case
    assert "Tom Baker" in text(carol.get("/inbox?tab=available&stage=engagement&sort=client"))
    assert "No tasks here" in text(carol.get("/inbox?tab=available&stage=closure"))
    saved = carol.post("/inbox/filters", {"name": "Bakers", "query": "tab=available&client=baker"})
    assert saved.status_code == 302
    page = text(carol.get("/inbox"))
    assert '<a href="/inbox?tab=available&amp;client=baker">Bakers</a>' in page
    assert carol.get("/inbox?sort=sideways").status_code == 400


def test_a_follow_up_date_hides_a_task_until_then(browse, story, clock):
    ruth = story()
    ruth.screen()
    carol = browse("carol")
    task = ruth.task("engage_client")
    carol.post(f"/tasks/{task['id']}/claim")
    carol.post(f"/tasks/{task['id']}/follow-up", {"follow_up_on": "2026-01-08"})
    assert "Engage the client" not in text(carol.get("/inbox?tab=mine")).split("list-heading")[-1]
    assert "Engage the client" in text(carol.get("/inbox?tab=later"))
    past = carol.post(f"/tasks/{task['id']}/follow-up", {"follow_up_on": "2025-12-01"})
    assert past.status_code == 422 and "after today" in text(past)
    clock.advance("P3D")  # 2026-01-08
    carol = browse("carol")
    assert "Engage the client" in text(carol.get("/inbox?tab=mine")).split("list-heading")[-1]


def test_delegate_and_take_back(browse, story):
    ruth = story()
    ruth.screen()
    task = ruth.task("engage_client")
    carol = browse("carol")
    carol.post(f"/tasks/{task['id']}/claim")
    assert carol.post(f"/tasks/{task['id']}/delegate", {"username": "ivy"}).status_code == 422  # not a case manager
    assert carol.post(f"/tasks/{task['id']}/delegate", {"username": "cody"}).status_code == 302
    assert ruth.task("engage_client")["assignee"] == "cody"
    assert "Engage the client" in text(carol.get("/inbox?tab=delegated"))
    cody_mine = text(browse("cody").get("/inbox?tab=mine"))
    assert "delegated by carol" in cody_mine
    assert carol.post(f"/tasks/{task['id']}/take-back").status_code == 302
    assert ruth.task("engage_client")["assignee"] == "carol"
    assert "No tasks here" in text(carol.get("/inbox?tab=delegated"))


def test_a_supervisor_reassigns_in_bulk_and_each_refusal_says_why(browse, story):
    cases = [story(client={"first_name": f"Client{i}", "last_name": "Test", "birth_date": "1950-01-01"},
                   confirm_new_client=True) for i in range(3)]
    for case in cases:
        case.screen()
    ids = [case.task("engage_client")["id"] for case in cases]
    sam = browse("sam")
    response = sam.client.post("/inbox/reassign", data={"task_ids": ids, "username": "cody",
                                                        "csrf_token": sam.get("/inbox?tab=team") and sam.csrf})
    assert response.status_code == 302
    assert all(case.task("engage_client")["assignee"] == "cody" for case in cases)
    refused = sam.client.post("/inbox/reassign", data={"task_ids": ids[:1], "username": "ivy",
                                                       "csrf_token": sam.csrf}, follow_redirects=True)
    page = text(refused)
    assert "Not reassigned" in page and "does not hold the role" in page
    assert cases[0].task("engage_client")["assignee"] == "cody"
    assert browse("carol").post(f"/tasks/{ids[0]}/assign", {"username": "carol"}).status_code == 403


# ---------------------------------------------------------------------- task forms
def test_the_task_form_is_rendered_from_its_schema_with_labels(browse, story):
    ruth = story()
    ruth.screen(); ruth.engage(); ruth.assess()
    task = ruth.task("write_plan")
    page = text(browse("carol").get(f"/tasks/{task['id']}"))
    assert '<legend>Goals <span class="required" aria-hidden="true">*</span></legend>' in page
    assert 'name="goals/0/objectives/0/objective"' in page
    assert '<template>' in page and "__IDX0__" in page  # rows can be added
    assert 'type="date" name="client_signature/signed_on"' in page
    assert "Ruth Okafor" in page  # the case beside the form


def test_invalid_answers_come_back_next_to_their_fields_and_nothing_changes(browse, story):
    ruth = story()
    ruth.screen(); ruth.engage(); ruth.assess()
    task = ruth.task("write_plan")
    carol = browse("carol")
    carol.get(f"/tasks/{task['id']}")
    response = carol.post(f"/tasks/{task['id']}", {
        "action": "complete", "goals/0/goal": "Eat well", "goals/0/target_date": "soon",
        "plain_language_summary": "Meals come"})
    assert response.status_code == 422
    page = text(response)
    assert 'id="f-goals-0-target_date"' in page and 'aria-invalid="true"' in page
    assert re.search(r'id="problem">.*?<a href="#f-goals-0-target_date">Goal 1 › Target date: ', page)  # summary links it
    assert re.search(r'id="f-goals-0-measure-error">.*?this field is required', page)
    assert 'value="Eat well"' in page  # what was typed is kept
    assert ruth.task("write_plan")["id"] == task["id"]  # still open
    assert ruth.stage == "planning"


def test_a_draft_is_saved_without_validation_and_comes_back(browse, story):
    ruth = story()
    ruth.screen(); ruth.engage(); ruth.assess()
    task = ruth.task("write_plan")
    carol = browse("carol")
    carol.get(f"/tasks/{task['id']}")
    saved = carol.post(f"/tasks/{task['id']}", {"action": "save", "goals/0/goal": "Stay at home",
                                                "plain_language_summary": "Half written"})
    assert saved.status_code == 302
    page = text(carol.get(f"/tasks/{task['id']}"))
    assert "Draft saved" in page and 'value="Stay at home"' in page and "Half written" in page
    assert ruth.stage == "planning"


def test_completing_a_task_twice_is_a_clear_conflict(browse, story):
    ruth = story()
    ruth.screen()
    task = ruth.task("engage_client")
    carol = browse("carol")
    carol.get(f"/tasks/{task['id']}")
    ruth.engage()  # done in another window
    response = carol.post(f"/tasks/{task['id']}", {"action": "complete"})
    assert response.status_code == 409
    assert "was already completed" in text(response)


# ---------------------------------------------------------------------- case page, dashboard, client copy
def test_the_case_page_shows_stage_plan_consents_timers_and_the_signed_record(browse, story):
    ruth = story()
    ruth.to_monitoring()
    page = text(browse("carol").get(f"/cases/{ruth.id}"))
    assert '<li class="step current" aria-current="step">' in page and "Monitoring" in page
    assert "Eat a hot meal every weekday" in page and "Approved" in page
    assert "Meals on Wheels" in page and "not yet signed" in page  # signed on the 6th, read on the 5th
    assert "Reassessment due" in page
    assert "signed by carol" in page and "signed by sam" in page
    diagram = browse("carol").get(f"/cases/{ruth.id}/diagram.bpmn")
    assert diagram.status_code == 200 and b'id="case_lifecycle"' in diagram.data
    parents = json.loads(html.unescape(re.search(r'<div id="diagram"[^>]* data-parents="([^"]*)"', page).group(1)))
    assert parents.get("reassessment_due") == ["monitoring", "services"]  # highlighted, inside its stages


def test_the_client_copy_is_plain_language_and_printable(browse, story):
    ruth = story()
    ruth.to_monitoring()
    page = text(browse("carol").get(f"/cases/{ruth.id}/plan"))
    assert "Your service plan" in page
    assert "Meals come every weekday. Carol calls you every month." in page
    assert "We will look at this plan together again by" in page
    assert "print.css" in page


def test_the_dashboard_weights_caseloads_by_acuity(browse, story, case_engine, people):
    high = story()
    high.to_monitoring(needs=MANY_NEEDS)
    low = story(client={"first_name": "Al", "last_name": "Low", "birth_date": "1944-02-02"})
    low.to_monitoring()
    board = case_engine.dashboard.dashboard(people["sam"])
    carol = next(w for w in board["workers"] if w["username"] == "carol")
    assert carol["cases"] == 2
    assert carol["by_acuity"]["low"] == 1 and carol["by_acuity"]["medium"] == 1
    assert carol["weighted"] == 3.0  # medium 2 + low 1
    page = text(browse("sam").get("/dashboard"))
    assert "Caseload weighted by acuity" in page and 'role="img"' in page
    assert "<caption>Caseload per case manager</caption>" in page


def test_the_inbox_and_its_actions_are_in_the_json_api_too(login, story):
    ruth = story()
    ruth.screen()
    task = ruth.task("engage_client")
    carol = login("carol")
    inbox = carol.get("/api/inbox?tab=available").get_json()
    assert inbox["tab"] == "available" and inbox["counts"]["available"] == 1
    assert inbox["tasks"][0]["client"] == "Ruth Okafor"
    assert carol.post(f"/api/tasks/{task['id']}/claim").status_code == 200
    assert carol.post(f"/api/tasks/{task['id']}/follow-up", json={"on": "2026-02-01"}).status_code == 200
    assert carol.get("/api/inbox?tab=later").get_json()["total"] == 1
    assert carol.post(f"/api/tasks/{task['id']}/delegate", json={"username": "cody"}).get_json()["assignee"] == "cody"
    assert carol.post(f"/api/tasks/{task['id']}/take-back").get_json()["assignee"] == "carol"
    response = carol.client.put(f"/api/tasks/{task['id']}/draft", json={"data": {"consent_to_services": True}},
                                headers=carol.headers)
    assert response.status_code == 200
    assert carol.get(f"/api/tasks/{task['id']}").get_json()["data"]["consent_to_services"] is True


def test_the_signed_in_browser_may_call_the_api_but_changes_need_the_csrf_header(browse, story):
    ruth = story()
    ruth.screen()
    task = ruth.task("engage_client")
    carol = browse("carol")
    assert carol.client.get("/api/me").get_json()["username"] == "carol"
    refused = carol.client.post(f"/api/tasks/{task['id']}/claim")
    assert refused.status_code == 401 and "X-CSRF-Token" in refused.get_json()["error"]["message"]
    assert ruth.task("engage_client")["assignee"] is None
    allowed = carol.client.post(f"/api/tasks/{task['id']}/claim", headers={"X-CSRF-Token": carol.csrf})
    assert allowed.status_code == 200 and allowed.get_json()["assignee"] == "carol"
