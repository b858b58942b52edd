"""A phone's seat (390 px wide): a case manager claims a task from the inbox, opens it and
saves a draft; the case page and the supervisor's dashboard fit the screen. Wide tables
become cards, and nothing is wider than the viewport (a page that scrolls sideways hides
its Claim button off screen)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import assert_every_control_is_labelled, sign_in
from tests.support.lifecycle import Story

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
ENGAGE = "Engage the client"


def assert_fits(page, name: str, server, full_page: bool = True) -> None:
    """No sideways scrolling; the picture goes to the screenshots folder first so that a
    failure still shows what overflowed."""
    page.screenshot(path=str(server.artifacts / f"phone-{name}.png"), full_page=full_page)
    wide = page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .filter(e => !e.closest('.visually-hidden, template, .diagram'))
        .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name} is {width}px wide; widest: {wide}"


def in_view(page, locator) -> bool:
    """Inside the viewport without scrolling sideways (vertical scrolling is fine)."""
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_a_case_manager_on_a_phone_claims_opens_and_saves_a_draft(page, live_server, people, lifecycle_engine,
                                                                  clock):
    ruth = Story(lifecycle_engine, people, clock)
    ruth.screen()
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "cody")  # a colleague's referral: the engagement waits in Available
    page.goto(f"{live_server.url}/inbox?tab=available")
    row = page.locator("table.tasks tbody tr", has_text=ENGAGE)
    expect(row).to_have_count(1)
    claim = row.get_by_role("button", name="Claim")
    expect(claim).to_be_visible()
    assert in_view(page, claim), "Claim is reachable without scrolling sideways"
    assert_fits(page, "inbox", live_server)
    assert_every_control_is_labelled(page)
    claim.click()
    expect(page.locator(".flashes")).to_be_visible()

    page.goto(f"{live_server.url}/inbox?tab=mine")
    page.locator("table.tasks tbody tr", has_text=ENGAGE).get_by_role("link", name=ENGAGE).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(ENGAGE)
    page.get_by_label("Mutual expectations agreed").fill("Weekly call on Mondays")
    save = page.get_by_role("button", name="Save draft")
    expect(save).to_be_in_viewport()  # the action bar stays on screen, no scrolling to the end
    assert_fits(page, "task-form", live_server)
    save.click()
    expect(page.locator(".flashes")).to_contain_text("Draft saved")
    expect(page.get_by_label("Mutual expectations agreed")).to_have_value("Weekly call on Mondays")
    assert page.console_errors == []


def test_the_case_page_and_the_dashboard_fit_a_phone(page, live_server, people, lifecycle_engine, clock):
    ruth = Story(lifecycle_engine, people, clock)
    ruth.to_monitoring()
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "carol")
    page.goto(f"{live_server.url}/cases/{ruth.id}")
    expect(page.locator("#diagram")).to_have_attribute("data-loaded", "true")
    expect(page.locator("#plan-heading")).to_be_visible()
    assert_fits(page, "case-page", live_server)

    sign_in(page, live_server, "sam")
    page.goto(f"{live_server.url}/dashboard")
    expect(page.get_by_role("img", name="Weighted caseload per case manager")).to_be_visible()
    assert_fits(page, "dashboard", live_server)
    assert page.console_errors == []


def test_the_long_assessment_fits_a_phone_with_its_actions_on_screen(page, live_server, people, lifecycle_engine,
                                                                     clock):
    ruth = Story(lifecycle_engine, people, clock)
    ruth.screen()
    ruth.engage()
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "carol")
    page.goto(f"{live_server.url}/inbox?tab=mine")
    page.locator("table.tasks tbody tr", has_text="Assess strengths").get_by_role("link").first.click()
    expect(page.locator(".form-outline .form-progress")).to_contain_text("sections done")
    page.locator("#f-domains-legal").get_by_label("Needs").fill("Eviction notice to contest")
    expect(page.get_by_role("button", name="Save draft")).to_be_in_viewport()
    expect(page.get_by_role("button", name="Complete and sign")).to_be_in_viewport()
    assert_fits(page, "assessment", live_server, full_page=False)  # mid-form, the action bar below
    assert page.console_errors == []
