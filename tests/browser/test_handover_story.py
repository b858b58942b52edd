"""Hand-overs from the second person's seat: a task delegated, or reassigned by a supervisor,
to a colleague opens, saves and completes in the colleague's browser, even though the case
is on someone else's caseload (it used to open as "Not found")."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import complete, fill_form, sign_in
from tests.support.lifecycle import PLAN, Story, assessed

pytestmark = pytest.mark.browser
ASSESS = "Assess strengths, needs and preferences"


def row_of(page, task_name: str):
    row = page.locator("table.tasks tbody tr", has_text=task_name).filter(has_text="Ruth Okafor")
    expect(row).to_have_count(1)
    return row


def test_a_delegated_assessment_is_done_by_the_colleague(page, live_server, people, lifecycle_engine, clock):
    ruth = Story(lifecycle_engine, people, clock)
    ruth.screen()
    ruth.engage()  # carol engaged the client: the case, and its assessment, are hers
    assert ruth.task("assess")["assignee"] == "carol"

    sign_in(page, live_server, "carol")
    page.goto(f"{live_server.url}/inbox?tab=mine")
    row = row_of(page, ASSESS)
    row.locator("summary").click()
    row.get_by_label("Delegate to").select_option("cody")
    row.get_by_role("button", name="Delegate").click()
    expect(page.locator(".flashes")).to_contain_text("cody")

    # --- cody's seat: the task is his, on a case that is not on his caseload
    sign_in(page, live_server, "cody")
    page.goto(f"{live_server.url}/inbox?tab=mine")
    row = row_of(page, ASSESS)
    expect(row).to_contain_text("delegated by carol")
    row.get_by_role("link", name=ASSESS).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(ASSESS)
    expect(page.locator("#context-heading")).to_have_text("The case")
    answers = assessed()
    page.get_by_label("Living arrangements").fill(answers["living_arrangements"])
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".flashes")).to_contain_text("Draft saved")
    expect(page.get_by_label("Living arrangements")).to_have_value(answers["living_arrangements"])
    fill_form(page, answers)
    complete(page)

    assert ruth.stage == "planning"
    signed = ruth.record("assessment")[-1]
    assert signed["author"] == "cody"
    assert ruth.refresh()["case_manager"] == "carol", "delegating hands over the task, not the case"
    assert page.console_errors == []


def test_a_task_reassigned_by_the_supervisor_is_worked_by_the_new_holder(page, live_server, people,
                                                                      lifecycle_engine, clock):
    ruth = Story(lifecycle_engine, people, clock)
    ruth.screen(), ruth.engage(), ruth.assess()
    assert ruth.task("write_plan")["assignee"] == "carol"

    sign_in(page, live_server, "sam")
    page.goto(f"{live_server.url}/inbox?tab=team")
    row = row_of(page, "Write the service plan")
    row.locator("summary").click()
    row.get_by_label("Reassign to").select_option("cody")
    row.get_by_role("button", name="Reassign").click()

    sign_in(page, live_server, "cody")
    page.goto(f"{live_server.url}/inbox?tab=mine")
    row_of(page, "Write the service plan").get_by_role("link", name="Write the service plan").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Write the service plan")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".flashes")).to_contain_text("Draft saved")
    # what cody saves as a draft is his; the plan he signs goes to the supervisor
    lifecycle_engine.tasks.complete(people["cody"], ruth.task("write_plan")["id"], PLAN)
    assert ruth.open_tasks() == ["approve_plan"]
    assert page.console_errors == []
