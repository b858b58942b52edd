"""An incident from the supervisor's seat: a timer's step failed on one case, the case
manager sees it stopped, the supervisor finds it on the Incidents page, has the process
corrected and retries it; and a manual task is done with Done."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from engine.policy import operator
from tests.support.bpmn_samples import linear_process, script_task, timer_event, user_task
from tests.support.browser import sign_in
from tests.support.people import ADULT

pytestmark = pytest.mark.browser


def weekly(score_script: str) -> bytes:
    return linear_process("weekly_check", timer_event("week", "P7D", name="A week later"),
                          script_task("score", score_script, name="Score the risk"),
                          user_task("review", "Review the score")).encode()


def test_a_supervisor_retries_a_stopped_case_after_the_fix(page, live_server, people, lifecycle_engine, clock):
    engine = lifecycle_engine
    engine.processes.deploy(operator("ada"), [("weekly_check.bpmn", weekly("level = risk_score * 2"))])
    case = engine.cases.open_case(people["carol"], ADULT, model_id="weekly_check")
    clock.advance(timedelta(days=8))
    engine.timers.run_due()

    # --- carol's seat: her case says it is stopped, and who can help
    sign_in(page, live_server, "carol")
    page.goto(f"{live_server.url}/cases/{case['id']}")
    expect(page.locator("#incident")).to_contain_text("score")
    expect(page.locator("#incident")).to_contain_text("Supervisors see it")
    expect(page.locator("#incident").get_by_role("button", name="Retry")).to_have_count(0)

    # --- an administrator corrects the diagram and moves the case
    engine.processes.deploy(operator("ada"), [("weekly_check.bpmn", weekly("level = 'unscored'"))])
    engine.designer.migrate_cases(operator("ada"), "weekly_check", 2)

    # --- sam's seat: the Incidents page lists it; Retry brings it back
    sign_in(page, live_server, "sam")
    page.get_by_role("link", name="Incidents").click()
    row = page.locator("table tbody tr", has_text=f"#{case['id']}")
    expect(row).to_contain_text("risk_score")
    row.get_by_role("button", name="Retry").click()
    expect(page.locator(".flashes")).to_contain_text("runs again")
    expect(page.locator("main")).to_contain_text("No case is stopped")
    page.goto(f"{live_server.url}/cases/{case['id']}")
    expect(page.locator("#incident")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Review the score")
    assert page.console_errors == []


def test_a_manual_task_is_done_with_done(page, live_server, people, lifecycle_engine):
    xml = linear_process("home_visit", '<bpmn:manualTask id="visit" name="Visit the home">'
                                       '<bpmn:documentation>Check the smoke alarms.</bpmn:documentation>'
                                       '</bpmn:manualTask>', user_task("write_up", "Write up the visit"))
    lifecycle_engine.processes.deploy(operator("ada"), [("home_visit.bpmn", xml.encode())])
    case = lifecycle_engine.cases.open_case(people["carol"], ADULT, model_id="home_visit")

    sign_in(page, live_server, "carol")
    page.goto(f"{live_server.url}/tasks/{case['tasks'][0]['id']}")
    expect(page.locator(".instructions")).to_contain_text("Check the smoke alarms.")
    expect(page.get_by_role("button", name="Save draft")).to_have_count(0)
    page.get_by_role("button", name="Done").click()
    expect(page.locator(".flashes")).to_be_visible()
    assert [t["bpmn_id"] for t in lifecycle_engine.cases.get_case(people["carol"], case["id"])["tasks"]] == \
        ["write_up"]
    assert page.console_errors == []
