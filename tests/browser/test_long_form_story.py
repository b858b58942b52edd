"""Forms made for long days: the assessment is in sections with an outline beside it that
says which are done and how many ("7 of 17 sections done"); half of it is filled, saved as a
draft, and finished after coming back. In the plan, Add goal brings the goal's first objective
row, and what is wrong reads in words beside the field ("Goal 2 needs at least one
objective"), rules of practice included (a participant who holds no task)."""
from __future__ import annotations

import copy

import pytest
from playwright.sync_api import expect

from engine.vocabulary import ASSESSMENT_DOMAINS
from tests.support.browser import assert_every_control_is_labelled, complete, fill_form, open_task, sign_in
from tests.support.lifecycle import PLAN, Story, assessed

pytestmark = pytest.mark.browser
ASSESS = "Assess strengths"
SECTIONS = len(ASSESSMENT_DOMAINS) + 3  # the domains, living and language, risk screen, summary


def progress(page):
    return page.locator(".form-outline .form-progress")


def entry(page, title: str):
    return page.locator(".form-outline li[data-for]", has_text=title)


def test_half_an_assessment_is_saved_then_finished(page, live_server, people, lifecycle_engine, clock):
    ruth = Story(lifecycle_engine, people, clock)
    ruth.screen()
    ruth.engage()  # the assessment is carol's
    answers = assessed()
    first_half = {d: answers["domains"][d] for d in ASSESSMENT_DOMAINS[:7]}

    sign_in(page, live_server, "carol")
    open_task(page, live_server, "mine", ASSESS)
    expect(page.get_by_role("navigation", name="Sections")).to_be_visible()
    expect(progress(page)).to_have_text(f"0 of {SECTIONS} sections done")
    expect(page.get_by_label("Living arrangements")).to_have_js_property("tagName", "TEXTAREA")  # narrative

    fill_form(page, {"domains": first_half})
    expect(progress(page)).to_have_text(f"7 of {SECTIONS} sections done")  # counted as it is typed
    expect(entry(page, "Basic needs and housing")).to_contain_text("done")
    expect(entry(page, "Legal")).not_to_have_class("done")

    # deep in the form, the actions are still on screen
    entry(page, "Legal").get_by_role("link").click()
    expect(entry(page, "Legal").get_by_role("link")).to_have_attribute("aria-current", "location")
    save = page.get_by_role("button", name="Save draft")
    expect(save).to_be_in_viewport()
    expect(page.get_by_role("button", name="Complete and sign")).to_be_in_viewport()
    assert_every_control_is_labelled(page)
    page.screenshot(path=str(live_server.artifacts / "assessment-sections.png"))
    save.click()
    expect(page.locator(".flashes")).to_contain_text("Draft saved")

    # --- later: signed in again, the draft and its progress come back
    sign_in(page, live_server, "carol")
    open_task(page, live_server, "mine", ASSESS)
    expect(progress(page)).to_have_text(f"7 of {SECTIONS} sections done")
    expect(page.locator('[name="domains/basic_needs_housing/needs"]')).to_have_value("help needed")
    fill_form(page, {**answers, "domains": {d: answers["domains"][d] for d in ASSESSMENT_DOMAINS[7:]}})
    expect(progress(page)).to_have_text(f"{SECTIONS} of {SECTIONS} sections done")
    complete(page)
    assert ruth.stage == "planning"
    assert ruth.record("assessment")[-1]["data"]["domains"]["basic_needs_housing"]["needs"] == "help needed"
    assert page.console_errors == []


def test_plan_errors_read_in_words_beside_their_fields(page, live_server, people, lifecycle_engine, clock):
    ruth = Story(lifecycle_engine, people, clock)
    ruth.screen(), ruth.engage(), ruth.assess()
    plan = copy.deepcopy(PLAN)

    sign_in(page, live_server, "carol")
    open_task(page, live_server, "mine", "Write the service plan")
    fill_form(page, plan)
    page.locator("#f-goals").get_by_role("button", name="Add goal").click()
    objectives = page.locator('[name^="goals/1/objectives/"][name$="/objective"]')
    expect(objectives).to_have_count(1)  # a new goal comes with its first objective row
    fill_form(page, {"goals/1": {"goal": "Walk to the shop", "measure": "Twice a week on her own",
                                 "target_date": "2026-04-01"}})
    page.get_by_role("button", name="Complete and sign").click()

    error = page.locator("#f-goals-1-objectives-error")
    expect(error).to_have_text("Error: Goal 2 needs at least one objective")
    expect(page.locator("#f-goals-1-objectives")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#problem")).to_contain_text("Goal 2 › Objectives: Goal 2 needs at least one objective")
    expect(entry(page, "Goals")).to_contain_text("needs attention")
    assert "should be non-empty" not in page.content()
    page.screenshot(path=str(live_server.artifacts / "plan-error-beside-field.png"))

    # the objective, and a participant who holds no task: a rule of practice, beside the row
    fill_form(page, {"goals/1/objectives/0": {"objective": "Walks with the physiotherapist", "frequency": "weekly"}})
    page.locator("#f-participants").get_by_role("button", name="Add participant").click()
    fill_form(page, {"participants/3": {"name": "Dana Okafor", "party": "family_member"}})
    page.get_by_role("button", name="Complete and sign").click()
    expect(page.locator("#f-participants-3-error")).to_contain_text(
        "Dana Okafor holds no task in the plan; every participant holds at least one")
    expect(page.locator("#f-participants-3")).to_have_attribute("aria-invalid", "true")

    page.locator("#f-participants-3").get_by_role("button", name="Remove participant").click()
    complete(page)
    goals = ruth.record("service_plan")[-1]["data"]["goals"]
    assert [len(g["objectives"]) for g in goals] == [1, 1]
    assert page.console_errors == []
