"""Opening a diagram in the designer and saving it without edits changes nothing: every
bundled and test diagram (and one carrying every SpiffWorkflow extension) is opened,
each file passed through its editor, saved, deployed, and the deployed version is the
same model as the one before (elements, attributes, scripts, extensions; the drawing's
coordinates and indentation aside), and the history lists no changes."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import sign_in
from tests.support.canonical_xml import differences
from tests.support.designer import open_file_tab, open_in_designer, version_files
from tests.support.paths import TESTS

pytestmark = pytest.mark.browser
DIAGRAMS = TESTS / "diagrams"  # diagrams only these tests deploy

BUNDLED = [("case_lifecycle", ["case_lifecycle.bpmn", "acuity.dmn", "eligibility.dmn"]),
           ("quality_review", ["quality_review.bpmn"]), ("supervision_session", ["supervision_session.bpmn"])]
TEST_DIAGRAMS = [("monitoring_loop", ["monitoring_loop.bpmn", "eligibility.dmn"]),
                 ("plan_approval", ["plan_approval.bpmn"]), ("reminder", ["reminder.bpmn"])]


def save_unchanged_and_deploy(page, server, model: str, files: list[str]) -> None:
    open_in_designer(page, server, model, files[0])
    for filename in files:
        open_file_tab(page, filename)
    page.get_by_role("button", name="Save draft and check").click()
    expect(page.locator("#problems li.ok")).to_contain_text("No problems")
    page.get_by_role("button", name="Deploy as a new version").click()
    expect(page.locator("#status")).to_contain_text("eployed version 2")
    # the designer reloads itself on the new version: let it, before the test goes elsewhere
    page.wait_for_url(re.compile(r"[?&]deployed=2"))
    expect(page.locator("#designer")).to_have_attribute("data-ready", re.compile(r".+"))


def assert_same_model(page, server, model: str) -> None:
    before, after = version_files(page, server, model, 1), version_files(page, server, model, 2)
    assert sorted(before) == sorted(after)
    for filename in before:
        lost_or_gained = differences(before[filename], after[filename])
        assert not lost_or_gained, f"{filename}:\n" + "\n".join(lost_or_gained)
    page.goto(f"{server.url}/designer/models/{model}")
    expect(page.locator("#history tr[data-version='2']")).to_contain_text("layout only")


@pytest.mark.parametrize("model,files", BUNDLED)
def test_a_bundled_diagram_saved_without_edits_deploys_as_the_same_model(page, live_server, people, model, files):
    sign_in(page, live_server, "ada")
    save_unchanged_and_deploy(page, live_server, model, files)
    assert_same_model(page, live_server, model)
    assert page.console_errors == []


@pytest.mark.parametrize("model,files", TEST_DIAGRAMS)
def test_a_test_diagram_saved_without_edits_deploys_as_the_same_model(page, test_diagrams_server, people,
                                                                      model, files):
    sign_in(page, test_diagrams_server, "ada")
    save_unchanged_and_deploy(page, test_diagrams_server, model, files)
    assert_same_model(page, test_diagrams_server, model)
    assert page.console_errors == []


def test_every_spiffworkflow_extension_survives_a_save(page, test_diagrams_server, people):
    """Scripts before and after a task, instructions, unit tests, task metadata, a message
    variable and an expanded call activity: all deploy again as they were."""
    engine = test_diagrams_server.engine
    engine.processes.deploy(people["ada"], [("every_extension.bpmn", (DIAGRAMS / "every_extension.bpmn").read_bytes())])
    sign_in(page, test_diagrams_server, "ada")
    save_unchanged_and_deploy(page, test_diagrams_server, "every_extension", ["every_extension.bpmn"])
    assert page.locator("#import-warnings").is_hidden()
    assert_same_model(page, test_diagrams_server, "every_extension")
    deployed = version_files(page, test_diagrams_server, "every_extension", 2)["every_extension.bpmn"]
    for kept in ("<spiffworkflow:preScript>attempts = attempts + 1</spiffworkflow:preScript>",
                 "<spiffworkflow:postScript>last_outcome = outcome</spiffworkflow:postScript>",
                 "Call between 9 and 5; use the number on file.", 'cancelActivity="true"',
                 "<spiffworkflow:messageVariable>call_back</spiffworkflow:messageVariable>"):
        assert kept in deployed
    assert page.console_errors == []
