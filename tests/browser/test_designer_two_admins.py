"""Two admins, one model: the second admin's save over a draft the first saved after the
second opened the page is refused, naming who saved and when, and nothing of theirs is
lost; discarding drafts asks first; a fixed mistake's marks go away on the next check."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import sign_in
from tests.support.designer import open_in_designer

pytestmark = pytest.mark.browser


def rename_step(page, element_id: str, name: str) -> None:
    page.evaluate(f"window.casepathDesigner.reveal('{element_id}')")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Name", exact=True).press("Tab")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_stale_save_is_refused_naming_who_saved_last(browser, page, live_server, people):
    sign_in(page, live_server, "ada")
    open_in_designer(page, live_server, "case_lifecycle", "case_lifecycle.bpmn")

    # another admin (same account, another browser) opens the model, renames a step and saves first
    other = browser.new_context(viewport={"width": 1360, "height": 900}).new_page()
    sign_in(other, live_server, "ada")
    open_in_designer(other, live_server, "case_lifecycle", "case_lifecycle.bpmn")
    rename_step(other, "engage_client", "Engage the client (first)")
    other.get_by_role("button", name="Save draft and check").click()
    expect(other.locator("#problems li.ok")).to_contain_text("No problems")

    rename_step(page, "engage_client", "Engage the client (second)")
    page.get_by_role("button", name="Save draft and check").click()
    expect(page.locator("#status")).to_contain_text("The draft was not saved: ada saved a draft of "
                                                    "case_lifecycle.bpmn at 2026-")
    expect(page.locator("#status")).to_contain_text("after you opened it; your change is not saved")
    drafts = live_server.engine.designer.model_files(people["ada"], "case_lifecycle", with_drafts=True)["files"]
    saved = next(f for f in drafts if f["filename"] == "case_lifecycle.bpmn")
    assert "Engage the client (first)" in saved["content"] and "(second)" not in saved["content"]
    # deploying from the stale page does not deploy the other admin's draft either
    page.get_by_role("button", name="Deploy as a new version").click()
    expect(page.locator("#status")).to_contain_text("The draft was not saved")
    assert [v["version"] for v in live_server.engine.processes.process_versions()
            if v["id"] == "case_lifecycle"] == [1]

    # after a reload the page sees the other draft; discarding asks, and Cancel keeps it
    page.reload()
    expect(page.locator("#designer")).to_have_attribute("data-ready", "case_lifecycle.bpmn")
    page.get_by_role("button", name="Discard drafts").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Discard every draft of this process?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.locator("#status")).to_have_text("Nothing discarded.")
    page.get_by_role("button", name="Discard drafts").click()
    dialog.get_by_role("button", name="Discard drafts").click()
    expect(page.locator("#designer")).to_have_attribute("data-ready", "case_lifecycle.bpmn")
    assert not any(f["draft"] for f in live_server.engine.designer.model_files(
        people["ada"], "case_lifecycle", with_drafts=True)["files"])
    assert page.console_errors == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_fixed_mistake_leaves_no_mark_and_its_stage_is_marked_meanwhile(page, live_server, people):
    sign_in(page, live_server, "ada")
    open_in_designer(page, live_server, "case_lifecycle", "case_lifecycle.bpmn")
    page.evaluate("window.casepathDesigner.reveal('reassess')")
    page.get_by_label("Due within").fill("soon")
    page.get_by_label("Due within").press("Tab")
    page.get_by_role("button", name="Save draft and check").click()
    expect(page.locator("#properties-form .field-error")).to_contain_text("due date 'soon'")
    expect(page.locator(".djs-overlays[data-container-id='reassess'] .problem-badge")).to_have_count(1)
    # the stages around it say they hold a problem (seen from the top level)
    expect(page.locator(".djs-overlays[data-container-id='monitoring'] .stage-badge")).to_have_text("1")
    page.screenshot(path=str(live_server.artifacts / "designer-checks-problem.png"), full_page=False)

    page.get_by_label("Due within").fill("P3D")
    page.get_by_label("Due within").press("Tab")
    page.get_by_role("button", name="Save draft and check").click()
    expect(page.locator("#problems li.ok")).to_contain_text("No problems")
    expect(page.locator("#properties-form .field-error")).to_have_count(0)  # the open panel too
    expect(page.locator(".problem-badge, .stage-badge")).to_have_count(0)
    page.screenshot(path=str(live_server.artifacts / "designer-checks-fixed.png"), full_page=False)
    assert page.console_errors == []
