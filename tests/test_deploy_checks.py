"""Process models are checked before anything is stored; hostile uploads are refused."""
from __future__ import annotations

import io

import pytest

from engine.errors import DeploymentInvalid
from tests.support.bpmn_samples import BILLION_LAUGHS, XXE, one_task_process, oversized
from engine.policy import operator


def refused(case_engine, document, filename="sample.bpmn"):
    content = document.encode() if isinstance(document, str) else document
    before = case_engine.processes.process_versions()
    with pytest.raises(DeploymentInvalid) as caught:
        case_engine.processes.deploy(operator("ada"), [(filename, content)])
    assert case_engine.processes.process_versions() == before, "a refused deploy stores nothing"
    return caught.value


def test_a_valid_diagram_deploys_as_version_1_then_2_when_changed(case_engine):
    first = case_engine.processes.deploy(operator("ada"), [("sample.bpmn", one_task_process().encode())])
    assert [(v.model_id, v.version, v.deployed_by) for v in first.created] == [("sample", 1, "ada")]
    same = case_engine.processes.deploy(operator("ada"), [("sample.bpmn", one_task_process().encode())])
    assert same.created == [] and [v.version for v in same.unchanged] == [1]
    changed = case_engine.processes.deploy(operator("ada"), [("sample.bpmn", one_task_process(task_name="Call").encode())])
    assert [v.version for v in changed.created] == [2]
    versions = [(v["id"], v["version"]) for v in case_engine.processes.process_versions() if v["id"] == "sample"]
    assert versions == [("sample", 1), ("sample", 2)]


@pytest.mark.parametrize("document, element, words", [
    (one_task_process(script="import os"), "run_script", "imports are not allowed"),
    (one_task_process(script="__import__('os').system('id')"), "run_script", "starts with \"_\""),
    (one_task_process(script="x = ().__class__.__bases__"), "run_script", "__class__"),
    (one_task_process(script="x = open('/etc/passwd').read()"), "run_script", "'open' is not available"),
    (one_task_process(script="x = = 1"), "run_script", "invalid syntax"),
    (one_task_process(condition="done ==="), "flow_conditional", "condition"),
    (one_task_process(condition="().__class__"), "flow_conditional", "__class__"),
    (one_task_process(timer=("timeDuration", "P1X")), "wait", "not valid ISO-8601"),
    (one_task_process(timer=("timeDuration", "'ninety days'")), "wait", "not valid ISO-8601"),
    (one_task_process(timer=("timeDate", "2026-13-45")), "wait", "not valid ISO-8601"),
    (one_task_process(timer=("timeCycle", "every week")), "wait", "timer"),
    (one_task_process(timer=("timeCycle", "R/P1Q")), "wait", "repeating cycle"),
    (one_task_process(lane="Supervisors"), "work", "not a casepath role"),
    (one_task_process(form=None), "work", "has no form"),
    (one_task_process(form="nope.schema.json"), "work", "does not exist"),
])
def test_a_diagram_with_a_problem_is_refused_naming_the_element(case_engine, document, element, words):
    error = refused(case_engine, document)
    # a plain sentence first, the checker's own words (a parser's message) as the detail
    assert any(d["element_id"] == element and words in d["message"] + d.get("detail", "")
               for d in error.details), error.details


def test_good_timers_in_every_iso_form_pass(case_engine):
    for kind, text in [("timeDuration", "P90D"), ("timeDuration", '"PT12H"'), ("timeDate", "2027-01-31T09:00:00Z"),
                       ("timeCycle", "R/P7D"), ("timeCycle", "R4/2027-01-01T09:00:00Z/P1M"),
                       ("timeDuration", "reassessment_interval")]:
        case_engine.processes.deploy(operator("ada"), [("sample.bpmn", one_task_process(timer=(kind, text)).encode())])


@pytest.mark.parametrize("document, words", [
    (XXE, "DOCTYPE"),
    (BILLION_LAUGHS, "DOCTYPE"),
    ("<bpmn:definitions", "not well-formed"),
    ("<html><body>hello</body></html>", "not a BPMN 2.0 or DMN file"),
])
def test_hostile_or_broken_xml_is_refused(case_engine, document, words):
    error = refused(case_engine, document)
    assert words in error.message + " ".join(d["message"] for d in error.details)


def test_an_oversized_file_is_refused_before_parsing(case_engine):
    error = refused(case_engine, oversized(6))
    assert "larger than 5 MB" in error.details[0]["message"]


def test_the_api_refuses_hostile_uploads_and_changes_nothing(login):
    ada = login("ada")
    before = ada.get("/api/process-models").get_json()
    for name, content in [("xxe.bpmn", XXE.encode()), ("laughs.bpmn", BILLION_LAUGHS.encode()),
                          ("script.bpmn", one_task_process(script="import os").encode())]:
        response = ada.post("/api/process-models", data={"files": (io.BytesIO(content), name)},
                            content_type="multipart/form-data")
        assert response.status_code == 422, (name, response.get_json())
        assert response.get_json()["error"]["details"]
    huge = ada.post("/api/process-models", data={"files": (io.BytesIO(oversized(50)), "huge.bpmn")},
                    content_type="multipart/form-data")
    assert huge.status_code == 413 and huge.get_json()["error"]["code"] == "request_entity_too_large"
    assert ada.get("/api/process-models").get_json() == before


def test_the_api_deploys_for_admins_only(login):
    upload = {"files": (io.BytesIO(one_task_process("api_sample").encode()), "api_sample.bpmn")}
    denied = login("sam").post("/api/process-models", data=upload, content_type="multipart/form-data")
    assert denied.status_code == 403
    upload = {"files": (io.BytesIO(one_task_process("api_sample").encode()), "api_sample.bpmn")}
    created = login("ada").post("/api/process-models", data=upload, content_type="multipart/form-data")
    assert created.status_code == 201
    body = created.get_json()
    assert (body["id"], body["version"], body["deployed_by"]) == ("api_sample", 1, "ada")
    bad = login("ada").post("/api/process-models", content_type="multipart/form-data",
                            data={"files": (io.BytesIO(one_task_process("x", lane="boss").encode()), "x.bpmn")})
    assert bad.status_code == 422
    assert bad.get_json()["error"]["details"][0]["element_id"] == "work"


def test_ids_names_and_form_names_past_what_the_database_keeps_are_refused(case_engine):
    long_name = one_task_process("sample", task_name="Call " + "x" * 300)
    with pytest.raises(DeploymentInvalid) as refused:
        case_engine.processes.deploy(operator("ada"), [("sample.bpmn", long_name.encode())])
    assert any("longer than 300 characters" in p["message"] for p in refused.value.details)
    long_id = one_task_process("p" * 201)
    with pytest.raises(DeploymentInvalid) as refused:
        case_engine.processes.deploy(operator("ada"), [("sample.bpmn", long_id.encode())])
    assert any("process id is longer than 200" in p["message"] for p in refused.value.details)
