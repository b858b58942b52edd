"""An admin edits what a step runs and says without touching XML: the script of a script
task, the scripts before and after a user task, its instructions and its other
properties. The deployed version carries exactly those edits, and the history names
only the two steps that changed."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import sign_in
from tests.support.designer import open_in_designer, version_files
from tests.support.paths import TESTS

pytestmark = pytest.mark.browser


def edit(page, label: str, value: str) -> None:
    page.get_by_label(label, exact=True).fill(value)
    page.get_by_label(label, exact=True).press("Tab")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_admin_edits_scripts_instructions_and_properties(page, test_diagrams_server, people):
    server = test_diagrams_server
    server.engine.processes.deploy(people["ada"], [("every_extension.bpmn",
                                                    (TESTS / "diagrams" / "every_extension.bpmn").read_bytes())])
    sign_in(page, server, "ada")
    open_in_designer(page, server, "every_extension", "every_extension.bpmn")

    page.evaluate("window.casepathDesigner.reveal('call')")
    expect(page.get_by_label("Instructions", exact=True)).to_have_value("Call between 9 and 5; use the number on file.")
    expect(page.get_by_label("Script before", exact=True)).to_have_value("attempts = attempts + 1")
    expect(page.get_by_label("Other properties", exact=True)).to_have_value("stage = monitoring")
    edit(page, "Instructions", "Call between 9 and 7.")
    edit(page, "Script before", "attempts = attempts + 2")
    edit(page, "Script after", "")
    edit(page, "Other properties", "stage = assessment\npurpose = reassessment")

    page.evaluate("window.casepathDesigner.reveal('prepare')")
    edit(page, "Script", "attempts = 0\nfirst_call = True")

    page.get_by_role("button", name="Save draft and check").click()
    expect(page.locator("#problems li.ok")).to_contain_text("No problems")
    page.get_by_role("button", name="Deploy as a new version").click()
    expect(page.locator("#status")).to_contain_text("Deployed version 2")
    page.wait_for_url("**?deployed=2")  # the designer reloads itself on the new version

    deployed = version_files(page, server, "every_extension", 2)["every_extension.bpmn"]
    assert "<spiffworkflow:instructionsForEndUser>Call between 9 and 7.</spiffworkflow:instructionsForEndUser>" in deployed
    assert "<spiffworkflow:preScript>attempts = attempts + 2</spiffworkflow:preScript>" in deployed
    assert "postScript" not in deployed
    assert 'name="stage" value="assessment"' in deployed and 'name="purpose" value="reassessment"' in deployed
    assert 'name="formJsonSchemaFilename" value="followup.schema.json"' in deployed  # its own field, untouched
    assert "attempts = 0\nfirst_call = True" in deployed
    changed = page.locator("#history tr[data-version='2']")
    expect(changed).to_contain_text("Changed:")
    expect(changed).to_contain_text("Call the client")
    expect(changed).to_contain_text("Prepare the call")
    assert changed.inner_text().count("(") == 2  # only those two: "Name (type, id)" each
    assert page.console_errors == []
