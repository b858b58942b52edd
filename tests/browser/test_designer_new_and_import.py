"""From the admin's seat: a new process made from the model list and deployed, a case opened
on it through the API; a zipped SpiffArena model folder imported as drafts, opened with
its check results, and deployed. (The browser is the subject, so SQLite alone.)"""
from __future__ import annotations

import io
import zipfile

import pytest
from playwright.sync_api import expect

from tests.support.browser import sign_in
from tests.support.paths import TESTS

pytestmark = pytest.mark.browser
INVOICE = TESTS / "spiffarena" / "invoice-approval"


def deploy_and_wait(page, version: int) -> None:
    page.get_by_role("button", name="Deploy as a new version").click()
    expect(page.locator("#status")).to_contain_text(f"Deployed version {version}")
    page.wait_for_url(f"**?deployed={version}")  # the designer reloads itself on the new version


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_ada_creates_a_process_deploys_it_and_a_case_opens_on_it(page, live_server, people):
    sign_in(page, live_server, "ada")
    page.goto(live_server.url + "/designer")
    page.get_by_label("Name").fill("Home visit")
    page.get_by_label("Form of the first task").select_option("contact")
    page.get_by_role("button", name="Create the draft").click()

    expect(page).to_have_url(live_server.url + "/designer/models/home_visit?created=1")
    expect(page.locator("#designer")).to_have_attribute("data-ready", "home_visit.bpmn")
    expect(page.locator("#showing")).to_contain_text("a draft, not deployed yet")
    expect(page.locator("#problems li.ok")).to_contain_text("No problems")
    expect(page.locator(".djs-element[data-element-id='home_visit_task']")).to_have_count(1)  # drawn
    deploy_and_wait(page, 1)

    csrf = page.locator("meta[name=csrf-token]").get_attribute("content")
    opened = page.request.post(live_server.url + "/api/cases", headers={"X-CSRF-Token": csrf}, data={
        "client": {"first_name": "Hal", "last_name": "Moss", "birth_date": "1948-03-03"},
        "process": "home_visit", "confirm_new_client": True})
    assert opened.status == 201, opened.text()
    assert "home_visit" in str(opened.json()["process"])

    # the id is taken now: a second "Home visit" is refused, naming it
    page.goto(live_server.url + "/designer")
    page.get_by_label("Name").fill("Home visit")
    page.get_by_role("button", name="Create the draft").click()
    expect(page.locator("#designer-problem")).to_contain_text("'home_visit' already exists")
    assert page.console_errors == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_ada_imports_a_zipped_model_folder_and_deploys_it(page, live_server, people, tmp_path):
    archive = tmp_path / "invoice-approval.zip"
    with zipfile.ZipFile(archive, "w") as folder:
        for path in INVOICE.iterdir():
            folder.write(path, f"invoice-approval/{path.name}")
    hostile = io.BytesIO()
    with zipfile.ZipFile(hostile, "w") as bad:
        bad.writestr("../escape.bpmn", "<x/>")

    sign_in(page, live_server, "ada")
    page.goto(live_server.url + "/designer")
    page.get_by_label("Files").set_input_files(files=[{"name": "bad.zip", "mimeType": "application/zip",
                                                       "buffer": hostile.getvalue()}])
    page.get_by_role("button", name="Import as drafts").click()
    expect(page.locator("#designer-problem")).to_contain_text("outside the model folder")

    page.get_by_label("Files").set_input_files(str(archive))
    page.get_by_role("button", name="Import as drafts").click()
    expect(page.locator("#imported-notice")).to_contain_text("Imported 3 file(s) as drafts")
    page.goto(live_server.url + "/designer")
    row = page.locator("tr.draft-model", has_text="invoice_approval")
    expect(row).to_contain_text("draft, not deployed")
    row.get_by_role("link", name="invoice_approval").click()

    expect(page.locator("#designer")).to_have_attribute("data-ready", "invoice-approval.bpmn")
    expect(page.locator("#problems li.ok")).to_contain_text("No problems")
    expect(page.locator("#file-tabs [role=tab]")).to_have_count(1)  # the forms travel, untabbed
    deploy_and_wait(page, 1)
    files = live_server.engine.designer.model_files(people["ada"], "invoice_approval")["files"]
    assert "Submit-the-invoice-schema.json" in [f["filename"] for f in files]
    assert page.console_errors == []
