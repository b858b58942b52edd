"""The issue-6 story in a real browser: a case manager takes a referral through screening,
engagement, assessment and plan; the supervisor returns the plan with a comment; the case
manager revises it; the supervisor approves; when the clock passes the reassessment date the
reassessment shows in the case manager's inbox, marked overdue."""
from __future__ import annotations

import copy
import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import assert_every_control_is_labelled, complete, fill_form, open_task, sign_in
from tests.support.lifecycle import ENGAGED, PLAN, SCREENED, Story, assessed
from tests.support.people import PASSWORD

pytestmark = pytest.mark.browser

# In a small agency the case manager also takes referrals (intake).
CAROL_ROLES = ["case_manager", "intake"]


def test_referral_to_approved_plan_then_an_overdue_reassessment(page, live_server, people, lifecycle_engine):
    carla = lifecycle_engine.identity.add_user("carla", PASSWORD, CAROL_ROLES, "north", "Carla Reyes")
    server = live_server

    # --- the case manager records the referral and screens it
    sign_in(page, server, "carla")
    page.goto(server.url + "/cases")
    page.locator("main").get_by_role("link", name="New referral").click()  # the menu has one too
    page.get_by_label("First name").fill("Ruth")
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_label("Date of birth").fill("1948-03-14")
    page.get_by_label("Preferred language").fill("English")
    page.get_by_role("button", name="Record the referral").click()
    expect(page.locator(".flashes")).to_contain_text("Referral recorded")
    expect(page.locator('.progress [aria-current="step"]')).to_contain_text("Screening")

    open_task(page, server, "available", "Screen the referral")
    fill_form(page, SCREENED)
    complete(page)

    # --- engagement, with a release of information for the meal provider
    open_task(page, server, "mine", "Engage the client")  # her referral, so her caseload
    fill_form(page, ENGAGED)
    complete(page)

    # --- assessment: the form first refuses what is missing, next to the field
    open_task(page, server, "mine", "Assess strengths")
    answers = assessed()
    summary = answers.pop("summary")
    fill_form(page, answers)
    page.get_by_role("button", name="Complete and sign").click()
    expect(page.locator("#problem")).to_be_visible()
    expect(page.locator("#f-summary-error")).to_contain_text("this field is required")
    expect(page.locator("#f-summary")).to_have_attribute("aria-invalid", "true")
    page.locator("#f-summary").fill(summary)
    complete(page)

    # --- the plan: goals with objectives, who does what, the client's signature; a draft first
    open_task(page, server, "mine", "Write the service plan")
    plan = copy.deepcopy(PLAN)
    fill_form(page, {"goals": plan["goals"]})
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".flashes")).to_contain_text("Draft saved")
    expect(page.locator('[name="goals/0/goal"]')).to_have_value("Eat a hot meal every weekday")
    fill_form(page, {k: v for k, v in plan.items() if k != "goals"})
    assert_every_control_is_labelled(page)
    page.screenshot(path=str(server.artifacts / "task-form.png"), full_page=True)
    complete(page)

    # --- the supervisor's first screen is the approvals queue; she returns the plan
    sign_in(page, server, "sam")
    expect(page.locator('.tabs [aria-current="page"]')).to_contain_text("Approvals")
    open_task(page, server, "approvals", "Approve the service plan")
    expect(page.locator("aside.context")).to_contain_text("Ruth Okafor")
    page.get_by_label("return").check()
    page.get_by_label("Comments for the case manager").fill("Add who pays for the meals and how often they come.")
    complete(page)

    # --- the case manager sees the comment and revises the plan
    sign_in(page, server, "carla")
    open_task(page, server, "mine", "Write the service plan")
    expect(page.locator("#f-comments")).to_contain_text("Add who pays for the meals")
    page.locator('[name="tasks/2/when"]').fill("Monday to Friday, at noon")
    complete(page)

    # --- the supervisor approves the revision
    sign_in(page, server, "sam")
    open_task(page, server, "approvals", "Approve the service plan")
    page.get_by_label("approve").check()
    complete(page)

    page.goto(server.url + "/cases?q=okafor")
    page.get_by_role("link", name="Ruth Okafor").click()
    expect(page.locator('.progress [aria-current="step"]')).to_contain_text("Monitoring")
    expect(page.locator("#plan-heading + p .badge")).to_have_text("Approved")
    expect(page.locator("#diagram")).to_have_attribute("data-loaded", "true")
    expect(page.locator("#diagram .djs-element.active").first).to_be_visible()  # the current stage, on the top level
    page.screenshot(path=str(server.artifacts / "case-page.png"), full_page=True)
    due_text = page.locator(".timers li", has_text="Reassessment due").inner_text()

    # --- time passes: past the reassessment date and the task's two weeks; meanwhile
    # more referrals arrive on carla's caseload
    server.advance("P105D")
    staff = {**people, "carla": carla}
    for first, last in (("Amos", "Fielding"), ("Bea", "Lindqvist")):
        other = Story(lifecycle_engine, staff, server.clock, opener="carla",
                      client={"first_name": first, "last_name": last, "birth_date": "1945-06-01"})
        other.do("carla", "screen_referral", SCREENED)
    sign_in(page, server, "carla")
    row = page.locator("table.tasks tbody tr", has_text="Reassess the client")
    expect(row).to_have_count(1)
    expect(row.locator(".badge.overdue")).to_have_text("Overdue")
    expect(row).to_have_class(re.compile("due-overdue"))
    assert_every_control_is_labelled(page)
    page.screenshot(path=str(server.artifacts / "inbox.png"), full_page=True)

    sign_in(page, server, "sam")
    page.goto(server.url + "/dashboard")
    expect(page.get_by_role("img", name="Weighted caseload per case manager")).to_be_visible()
    expect(page.locator("table", has_text="Caseload per case manager")).to_contain_text("Carla Reyes")
    page.screenshot(path=str(server.artifacts / "dashboard.png"), full_page=True)
    assert "Reassessment due" in due_text
    assert page.console_errors == []


def test_the_inbox_works_from_the_keyboard(page, live_server, people):
    """Skip link first, then a task reached and claimed with Tab and Enter alone."""
    story = Story(live_server.engine, people, live_server.clock)
    story.screen()
    sign_in(page, live_server, "carol")
    page.goto(live_server.url + "/inbox?tab=available")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    claim = page.get_by_role("button", name=re.compile("^Claim Engage the client"))
    for _ in range(60):
        page.keyboard.press("Tab")
        if claim.evaluate("e => e === document.activeElement"):
            break
    expect(claim).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".flashes")).to_contain_text("You claimed")
    assert story.task("engage_client")["assignee"] == "carol"
