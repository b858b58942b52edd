"""A SpiffArena process model comes over as it is.

An agency that drew its models in SpiffArena has folders holding `process_model.json`,
the BPMN and the forms (`Submit-the-invoice-schema.json` beside its
`Submit-the-invoice-uischema.json`). `casepath deploy FOLDER` takes such a folder; the
forms are stored with the model's version, so two models may each have a form file of the
same name; a user task names its UI schema (`formUiSchemaFilename`); and a choice list the
form leaves to the case (`options_from_task_data_var:cost_centers`) is filled from what the
script before the task set, both when the form is shown and when the answers are judged.
"""
from __future__ import annotations

import json
import shutil

import pytest

from engine.definitions.forms import FormCatalog
from engine.errors import DeploymentInvalid
from engine.policy import operator
from tests.support.paths import TESTS
from tests.support.people import ADULT

FOLDERS = TESTS / "spiffarena"
INVOICE, GRANT = FOLDERS / "invoice-approval", FOLDERS / "grant-request"


def deploy(app, folder):
    from web.cli import deploy_command

    return app.test_cli_runner().invoke(deploy_command, [str(folder), "--as", "ada"])


def open_case(carol, process: str) -> dict:
    started = carol.post("/api/cases", json={"client": ADULT, "process": process, "confirm_new_client": True})
    assert started.status_code == 201, started.get_json()
    [task] = started.get_json()["tasks"]
    return carol.get(f"/api/tasks/{task['id']}").get_json()


def test_an_invoice_folder_deploys_and_its_case_offers_the_cost_centers_the_script_set(app, login):
    deployed = deploy(app, INVOICE)
    assert deployed.exit_code == 0, deployed.output
    assert "deployed invoice_approval version 1" in deployed.output

    carol = login("carol")
    task = open_case(carol, "invoice_approval")

    # The form came with the model; its choices are the case's, with their labels.
    assert task["name"] == "Submit the invoice" and task["form"] == "Submit-the-invoice"
    fields = task["schema"]["properties"]
    assert fields["cost_center"]["anyOf"] == [
        {"type": "string", "enum": ["north"], "title": "North office"},
        {"type": "string", "enum": ["south"], "title": "South office"}]
    assert fields["category"]["enum"] == ["travel", "supplies"]
    assert task["missing_options"] == []
    # The UI schema is the file the task names.
    assert task["ui_schema"]["ui:order"] == ["cost_center", "amount", "category"]

    # A cost center the case did not offer is refused, plainly.
    refused = carol.post(f"/api/tasks/{task['id']}/complete",
                         json={"data": {"amount": 120.5, "cost_center": "east", "category": "travel"}})
    assert refused.status_code == 422
    [detail] = refused.get_json()["error"]["details"]
    assert detail == {"field": "cost_center", "message": "'east' is not one of the choices offered"}
    wrong_category = carol.post(f"/api/tasks/{task['id']}/complete",
                                json={"data": {"amount": 1, "cost_center": "north", "category": "food"}})
    assert [d["field"] for d in wrong_category.get_json()["error"]["details"]] == ["category"]

    done = carol.post(f"/api/tasks/{task['id']}/complete",
                      json={"data": {"amount": 120.5, "cost_center": "south", "category": "supplies"}})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["case"]["status"] == "completed"


def test_the_task_page_shows_the_offered_choices_with_their_labels(app, login, browse):
    assert deploy(app, INVOICE).exit_code == 0
    task = open_case(login("carol"), "invoice_approval")
    page = browse("carol").get(f"/tasks/{task['id']}")
    html = page.get_data(as_text=True)
    assert '<option value="south">South office</option>' in html
    assert 'value="supplies"' in html and "The invoice total, in dollars." in html


def test_two_models_each_keep_their_own_form_of_the_same_file_name(app, login):
    assert deploy(app, INVOICE).exit_code == 0
    assert deploy(app, GRANT).exit_code == 0
    carol = login("carol")

    invoice, grant = open_case(carol, "invoice_approval"), open_case(carol, "grant_request")
    assert invoice["form"] == grant["form"] == "Submit-the-invoice"
    assert "cost_center" in invoice["schema"]["properties"]
    assert set(grant["schema"]["properties"]) == {"grant_number", "amount"}
    assert grant["ui_schema"] == {}  # it names no UI schema and has none by the form's name

    # Each case is judged by its own model's form.
    wrong = carol.post(f"/api/tasks/{grant['id']}/complete", json={"data": {"cost_center": "north"}})
    assert wrong.status_code == 422
    assert carol.post(f"/api/tasks/{grant['id']}/complete",
                      json={"data": {"grant_number": "G-2025", "amount": 10}}).status_code == 200


def test_a_changed_form_file_is_a_new_version_and_running_cases_keep_theirs(app, login, tmp_path):
    folder = tmp_path / "invoice-approval"
    shutil.copytree(INVOICE, folder)
    assert deploy(app, folder).exit_code == 0
    carol = login("carol")
    before = open_case(carol, "invoice_approval")

    schema = json.loads((folder / "Submit-the-invoice-schema.json").read_text())
    schema["properties"]["note"] = {"type": "string", "title": "Note"}
    (folder / "Submit-the-invoice-schema.json").write_text(json.dumps(schema))
    redeployed = deploy(app, folder)
    assert "deployed invoice_approval version 2" in redeployed.output, redeployed.output
    assert "note" in open_case(carol, "invoice_approval")["schema"]["properties"]
    assert "note" not in carol.get(f"/api/tasks/{before['id']}").get_json()["schema"]["properties"]


def test_a_case_without_the_list_is_offered_nothing_and_told_which_list_is_missing(case_engine, app, login):
    xml = (INVOICE / "invoice-approval.bpmn").read_text().replace("cost_centers = [", "unused = [")
    files = [("invoice-approval.bpmn", xml.encode())] + [
        (p.name, p.read_bytes()) for p in INVOICE.glob("Submit-*.json")]
    case_engine.processes.deploy(operator("ada"), files)
    carol = login("carol")
    task = open_case(carol, "invoice_approval")
    assert task["missing_options"] == ["cost_centers"]
    assert task["schema"]["properties"]["cost_center"]["anyOf"] == [{"enum": []}]
    refused = carol.post(f"/api/tasks/{task['id']}/complete", json={"data": {"amount": 1, "cost_center": "north"}})
    assert refused.status_code == 422


def test_a_model_naming_a_ui_schema_it_does_not_have_is_refused_naming_the_file(case_engine):
    files = [(p.name, p.read_bytes()) for p in INVOICE.iterdir() if p.name != "Submit-the-invoice-uischema.json"]
    with pytest.raises(DeploymentInvalid) as refused:
        case_engine.processes.deploy(operator("ada"), files)
    assert "Submit-the-invoice-uischema.json" in refused.value.details[0]["message"]


def test_a_broken_form_file_of_the_model_refuses_that_model_and_names_the_file(case_engine):
    files = [(p.name, p.read_bytes()) for p in INVOICE.iterdir()
             if p.name != "Submit-the-invoice-schema.json"] + [("Submit-the-invoice-schema.json", b"{oops")]
    with pytest.raises(DeploymentInvalid) as refused:
        case_engine.processes.deploy(operator("ada"), files)
    messages = [(d.get("file"), d["message"]) for d in refused.value.details]
    assert ("Submit-the-invoice-schema.json", "the form file cannot be used: not valid JSON (line 1, column 2: "
                                              "Expecting property name enclosed in double quotes)") in messages


def test_a_spiffarena_form_in_the_global_forms_folder_loads(tmp_path):
    shutil.copy(INVOICE / "Submit-the-invoice-schema.json", tmp_path)
    shutil.copy(INVOICE / "Submit-the-invoice-uischema.json", tmp_path)
    shutil.copy(TESTS / "forms" / "contact.schema.json", tmp_path)
    catalog = FormCatalog(tmp_path)
    assert catalog.broken == {} and catalog.broken_ui == {}
    assert catalog.names() == ["Submit-the-invoice", "contact"]
    assert catalog.get("Submit-the-invoice").option_vars == ["cost_centers", "categories"]
    assert catalog.ui_schema("Submit-the-invoice")["category"] == {"ui:widget": "radio"}
