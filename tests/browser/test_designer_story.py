"""The issue-7 story in a real browser: an admin opens the monitoring stage, changes the
reassessment timer from 90 to 60 days, deploys; a new case gets 60 days while a running
case keeps 90; after migrating it, the running case follows the new version, and a case
parked on an element the new version no longer has is refused with the reason."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.support.browser import sign_in
from tests.support.designer import reassessment_due
from tests.support.lifecycle import ENGAGED, Story

pytestmark = pytest.mark.browser


def test_an_admin_shortens_the_reassessment_deploys_and_migrates(page, live_server, people):
    engine, clock = live_server.engine, live_server.clock
    running = Story(engine, people, clock)
    running.to_monitoring()
    started = clock.now()
    assert reassessment_due(running) - started == timedelta(days=90)
    parked = Story(engine, people, clock, client={"first_name": "Paz", "last_name": "Ortiz", "birth_date": "1951-05-05"})
    parked.screen()  # waits at "Engage the client"

    sign_in(page, live_server, "ada")
    page.get_by_role("link", name="Designer").click()
    page.get_by_role("link", name="Case lifecycle").click()
    designer = page.locator("#designer")
    expect(designer).to_have_attribute("data-ready", "case_lifecycle.bpmn")

    # the reassessment timer, inside the monitoring stage
    page.evaluate("window.casepathDesigner.reveal('reassessment_due')")
    expect(page.locator("#properties-form")).to_contain_text("reassessment_due")
    page.get_by_label("Timer", exact=True).select_option("timeDuration")
    page.get_by_label("Timer value").fill("P60D")
    page.get_by_label("Timer value").press("Tab")
    # the engagement step gets a new id: cases waiting there cannot follow
    page.evaluate("window.casepathDesigner.reveal('engage_client')")
    page.get_by_label("ID", exact=True).fill("engage_client_v2")
    page.get_by_label("ID", exact=True).press("Tab")

    page.get_by_role("button", name="Save draft and check").click()
    expect(page.locator("#problems li.ok")).to_contain_text("No problems")
    # ...but the admin hears now, not at migration, that the parked case cannot follow
    warning = page.locator("#problems li.warning")
    expect(warning).to_contain_text("1 running case(s) wait at 'Engage the client and obtain informed consent' "
                                    "(engage_client), which this draft "
                                    "renames or removes; moving cases to the new version would refuse 1 case(s)")
    page.screenshot(path=str(live_server.artifacts / "designer.png"), full_page=True)
    page.get_by_role("button", name="Deploy as a new version").click()
    page.wait_for_url("**/designer/models/case_lifecycle?deployed=2")
    expect(page.locator("#status")).to_contain_text("Deployed version 2")

    # a new case runs on version 2; the running case keeps version 1's 90 days
    fresh = Story(engine, people, clock, client={"first_name": "Nia", "last_name": "Cole", "birth_date": "1950-02-02"})
    fresh.screen()
    fresh.do("carol", "engage_client_v2", ENGAGED)  # the step's new id
    fresh.assess()
    fresh.plan()
    assert reassessment_due(fresh) - clock.now() == timedelta(days=60)
    assert reassessment_due(running) - started == timedelta(days=90)

    # the history shows what changed and who runs where
    page.reload()
    expect(page.locator("#designer")).to_have_attribute("data-ready", "case_lifecycle.bpmn")
    latest = page.locator("#history tr[data-version='2']")
    expect(latest).to_contain_text("Changed:")
    expect(latest).to_contain_text("reassessment_due")
    expect(page.locator("#history tr[data-version='1'] .running")).to_have_text("2")

    # move the running cases
    page.get_by_label("From version").select_option("1")
    page.get_by_label("To version").select_option("2")
    page.get_by_role("button", name="Move cases").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Move every running case of version 1 to version 2?")
    dialog.get_by_role("button", name="Move cases").click()
    result = page.locator("#migrate-result")
    expect(result).to_contain_text("1 case(s) moved to version 2, 1 refused")
    expect(result.locator("li.migrated")).to_contain_text(f"Case {running.id}: moved from version 1")
    expect(result.locator("li.refused")).to_contain_text(f"Case {parked.id} refused: case {parked.id} is at engage_client")

    assert reassessment_due(running) - started == timedelta(days=60)
    assert running.refresh()["process"]["version"] == 2
    assert parked.refresh()["process"]["version"] == 1
    assert parked.open_tasks() == ["engage_client"]

    # a sample case can walk the new version without touching real ones
    page.get_by_role("button", name="Start a sample case").click()
    expect(page.locator("#sim-tasks")).to_contain_text("Screen the referral")

    # version 1 is still there to look at, as it was deployed
    page.get_by_role("link", name="version 1", exact=True).click()
    expect(page.locator("#designer")).to_have_attribute("data-ready", "case_lifecycle.bpmn")
    expect(page.locator("#showing")).to_have_text("version 1 (read only)")
    expect(page.get_by_role("button", name="Save draft and check")).to_have_count(0)
    assert page.evaluate("window.casepathDesigner.reveal('engage_client')")  # the old id, on version 1's diagram

    # and a new draft can start from it (going back is a new version, never an edit of an old one)
    page.get_by_role("link", name="Start a draft from this version").click()
    expect(page.locator("#designer")).to_have_attribute("data-ready", "case_lifecycle.bpmn")
    page.get_by_role("button", name="Save draft and check").click()
    expect(page.locator("#problems li.ok")).to_contain_text("No problems")
    drafts = engine.designer.model_files(people["ada"], "case_lifecycle", with_drafts=True)["files"]
    draft = next(f for f in drafts if f["filename"] == "case_lifecycle.bpmn")
    assert draft["draft"] and 'id="engage_client"' in draft["content"] and "P60D" not in draft["content"]
    assert page.console_errors == []


def test_the_designer_does_not_exist_for_anyone_but_admins(page, live_server, people):
    for who in ("sam", "carol"):
        sign_in(page, live_server, who)
        expect(page.get_by_role("link", name="Designer")).to_have_count(0)
        response = page.goto(live_server.url + "/designer/models/case_lifecycle")
        assert response.status == 404
