"""The designer's properties panel: an admin changes who does a step, its form, its due date
and a gateway's condition without touching XML; a mistake is shown on its element and in
the list, in plain words, and the fixed draft checks clean. (The browser only edits; the
database is not the subject here, so this runs on SQLite alone.)"""
from __future__ import annotations

import pytest
from lxml import etree
from playwright.sync_api import expect

from tests.support.browser import sign_in

pytestmark = pytest.mark.browser
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}


def draft_of(live_server, people):
    files = live_server.engine.designer.model_files(people["ada"], "case_lifecycle", with_drafts=True)["files"]
    draft = next(f for f in files if f["filename"] == "case_lifecycle.bpmn")
    assert draft["draft"]
    return etree.fromstring(draft["content"].encode())


def prop(root, task_id: str, name: str) -> str:
    return root.xpath(f"//bpmn:userTask[@id='{task_id}']//spiffworkflow:property[@name='{name}']/@value",
                      namespaces=NS)[0]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_admin_edits_properties_and_sees_a_mistake_on_its_element(page, live_server, people):
    sign_in(page, live_server, "ada")
    page.goto(live_server.url + "/designer/models/case_lifecycle")
    expect(page.locator("#designer")).to_have_attribute("data-ready", "case_lifecycle.bpmn")

    # the reassessment goes to supervisors, on the contact form, due within "soon" (a mistake)
    page.evaluate("window.casepathDesigner.reveal('reassess')")
    expect(page.locator("#properties-form")).to_contain_text("reassess")
    page.get_by_label("Role (lane)").select_option("supervisor")
    page.get_by_label("Form", exact=True).select_option("contact.schema.json")
    page.get_by_label("Due within").fill("soon")
    page.get_by_label("Due within").press("Tab")
    # eligibility needs one more condition
    page.evaluate("window.casepathDesigner.reveal('f_eligible')")
    page.get_by_label("Condition").fill("eligible == True and age >= 60")
    page.get_by_label("Condition").press("Tab")

    page.get_by_role("button", name="Save draft and check").click()
    problem = page.locator("#problems li.problem")
    expect(problem).to_have_count(1)
    expect(problem).to_contain_text("due date 'soon' of 'Reassess the client' (reassess) is not an ISO-8601 duration")
    expect(page.locator(".problem-badge")).to_have_count(1)  # drawn on the reassessment task
    expect(page.locator(".djs-overlays[data-container-id='reassess'] .problem-badge")).to_have_count(1)

    page.evaluate("window.casepathDesigner.reveal('reassess')")
    page.get_by_label("Due within").fill("P3D")
    page.get_by_label("Due within").press("Tab")
    page.get_by_role("button", name="Save draft and check").click()
    expect(page.locator("#problems li.ok")).to_contain_text("No problems")
    expect(page.locator(".problem-badge")).to_have_count(0)

    root = draft_of(live_server, people)
    supervisors = root.xpath("//bpmn:lane[@name='supervisor']/bpmn:flowNodeRef/text()", namespaces=NS)
    case_managers = root.xpath("//bpmn:lane[@name='case_manager']/bpmn:flowNodeRef/text()", namespaces=NS)
    assert "reassess" in supervisors and "reassess" not in case_managers
    assert prop(root, "reassess", "formJsonSchemaFilename") == "contact.schema.json"
    assert prop(root, "reassess", "dueIn") == "P3D"
    assert root.xpath("//bpmn:sequenceFlow[@id='f_eligible']/bpmn:conditionExpression/text()",
                      namespaces=NS) == ["eligible == True and age >= 60"]
    assert page.console_errors == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_panel_follows_the_active_tab(page, live_server, people):
    sign_in(page, live_server, "ada")
    page.goto(live_server.url + "/designer/models/case_lifecycle")
    expect(page.locator("#designer")).to_have_attribute("data-ready", "case_lifecycle.bpmn")
    page.evaluate("window.casepathDesigner.reveal('reassess')")
    expect(page.locator("#properties-form")).to_contain_text("reassess")

    dmn_tab = page.locator("#file-tabs [role=tab][data-file$='.dmn']").first
    dmn_tab.click()
    expect(page.locator("#designer")).to_have_attribute("data-ready", dmn_tab.get_attribute("data-file"))
    expect(page.locator("#properties-form")).to_be_hidden()
    expect(page.locator("#properties-empty")).to_contain_text("Decision tables are edited in the table itself")
