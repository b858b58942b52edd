"""The designer's API and pages: administrators only, and hostile files refused with a clear
error and nothing changed."""
from __future__ import annotations

import pytest

from tests.support.designer import HOSTILE, LIFECYCLE

pytestmark = pytest.mark.lifecycle

SCRIPT_IMPORT = LIFECYCLE.replace(
    '<bpmn:script>age = years_between(client.get("birth_date"), today()) if client.get("birth_date") else 0</bpmn:script>',
    '<bpmn:script>import os\nage = os.getuid()</bpmn:script>')


def put_draft(client, body: bytes, filename: str = "case_lifecycle.bpmn"):
    return client.client.put(f"/api/process-models/case_lifecycle/drafts/{filename}", data=body,
                              headers={**client.headers, "Content-Type": "application/xml"})


def nothing_changed(ada) -> None:
    assert [v["version"] for v in ada.get("/api/process-models/case_lifecycle/versions").get_json()] == [1]
    files = ada.get("/api/process-models/case_lifecycle/files?drafts=1").get_json()["files"]
    assert not any(f["draft"] for f in files)


@pytest.mark.parametrize("kind", ["xxe", "billion laughs"])
def test_unsafe_xml_is_refused_with_a_clear_error_and_nothing_changes(login, kind):
    ada = login("ada")
    response = put_draft(ada, HOSTILE[kind])
    assert response.status_code == 422
    assert "declares a DOCTYPE or entities, which are not allowed" in response.get_json()["error"]["message"]
    nothing_changed(ada)


def test_a_50_mb_file_is_refused_before_it_is_read(login):
    ada = login("ada")
    response = put_draft(ada, HOSTILE["50 MB"])
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request_entity_too_large"
    nothing_changed(ada)


def test_a_script_that_imports_is_flagged_on_its_element_and_cannot_be_deployed(login):
    ada = login("ada")
    saved = put_draft(ada, SCRIPT_IMPORT.encode()).get_json()
    assert [p["element_id"] for p in saved["problems"]] == ["compute_age"]
    assert "import" in saved["problems"][0]["message"]
    refused = ada.post("/api/process-models/case_lifecycle/deploy")
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"][0]["element_id"] == "compute_age"
    assert [v["version"] for v in ada.get("/api/process-models/case_lifecycle/versions").get_json()] == [1]


DESIGNER_CALLS = [
    ("get", "/api/process-models/case_lifecycle/versions"),
    ("get", "/api/process-models/case_lifecycle/files"),
    ("put", "/api/process-models/case_lifecycle/drafts/case_lifecycle.bpmn"),
    ("delete", "/api/process-models/case_lifecycle/drafts"),
    ("post", "/api/process-models/case_lifecycle/deploy"),
    ("post", "/api/process-models/case_lifecycle/migrate"),
    ("post", "/api/process-models/case_lifecycle/simulate"),
]


@pytest.mark.parametrize("who", ["sam", "carol", "ivy"])
def test_no_one_but_an_admin_reaches_the_designer_or_its_api(login, browse, who):
    caller = login(who)
    for method, path in DESIGNER_CALLS:
        response = getattr(caller.client, method)(path, headers={**caller.headers, "Content-Type": "application/json"},
                                                  data=b"{}" if method != "put" else LIFECYCLE.encode())
        assert response.status_code == 403, (method, path, response.status_code)
    page = browse(who)
    for path in ("/designer/", "/designer/models/case_lifecycle", "/designer/forms/service_plan"):
        assert page.get(path).status_code == 404
    assert [v["version"] for v in login("ada").get("/api/process-models/case_lifecycle/versions").get_json()] == [1]


def test_an_admin_previews_a_form_and_tries_its_checks(browse):
    ada = browse("ada")
    page = ada.get("/designer/forms/service_plan").get_data(as_text=True)
    assert 'name="goals/0/goal"' in page
    checked = ada.post("/designer/forms/service_plan", {"goals/0/goal": "Eat well"}).get_data(as_text=True)
    assert "this field is required" in checked and 'value="Eat well"' in checked
