"""Any deployed process can run (issue 13, item 7): a case starts on a named process with
start data, and programs let one agency run several processes side by side."""
from __future__ import annotations

from click.testing import CliRunner

from engine.policy import operator
from tests.support.bpmn_samples import linear_process, user_task
from tests.support.people import ADULT

START_FORM = ('<bpmn:startEvent id="start"><bpmn:extensionElements><spiffworkflow:properties>'
              '<spiffworkflow:property name="formJsonSchemaFilename" value="followup.schema.json"/>'
              '</spiffworkflow:properties></bpmn:extensionElements></bpmn:startEvent>')


def deploy_two_processes(engine) -> None:
    aging = linear_process("aging_services", user_task("home_assessment", "Assess the home"))
    child = linear_process("child_welfare", user_task("safety_assessment", "Assess the child's safety"))
    engine.processes.deploy(operator("ada"), [("aging_services.bpmn", aging.encode())])
    engine.processes.deploy(operator("ada"), [("child_welfare.bpmn", child.encode())])


def test_two_programs_run_different_processes_in_one_instance(case_engine, people, login):
    deploy_two_processes(case_engine)
    ada = login("ada")
    assert ada.post("/api/programs", json={"name": "Aging services", "process": "aging_services",
                                           "teams": ["north"]}).status_code == 201
    assert ada.post("/api/programs", json={"name": "Child welfare", "process": "child_welfare"}).status_code == 201

    carol = login("carol")
    elder = carol.post("/api/cases", json={"client": ADULT, "program": "Aging services"}).get_json()
    child = carol.post("/api/cases", json={"client": {"first_name": "Mia", "last_name": "Okafor",
                                                      "birth_date": "2019-02-01"},
                                           "program": "Child welfare"}).get_json()
    assert elder["process"]["model"] == "aging_services" and elder["tasks"][0]["bpmn_id"] == "home_assessment"
    assert child["process"]["model"] == "child_welfare" and child["tasks"][0]["bpmn_id"] == "safety_assessment"

    listed = carol.get("/api/cases?program=Child welfare").get_json()
    assert [c["id"] for c in listed] == [child["id"]]
    assert [p["name"] for p in carol.get("/api/programs").get_json()] == ["Aging services", "Child welfare"]


def test_only_an_administrator_adds_a_program_and_only_on_a_deployed_process(case_engine, people, login):
    assert login("sam").post("/api/programs", json={"name": "X", "process": "plan_approval"}).status_code == 403
    missing = login("ada").post("/api/programs", json={"name": "X", "process": "nowhere"})
    assert missing.status_code == 404 and "nowhere" in missing.get_json()["error"]["message"]
    ada = login("ada")
    assert ada.post("/api/programs", json={"name": "X", "process": "plan_approval"}).status_code == 201
    assert ada.post("/api/programs", json={"name": "X", "process": "plan_approval"}).status_code == 409


def test_the_program_add_command(app, case_engine):
    deploy_two_processes(case_engine)
    runner = CliRunner()
    from web.cli import program_add_command, program_list_command

    with app.app_context():
        added = runner.invoke(program_add_command, ["Aging services", "--process", "aging_services",
                                                    "--team", "north"])
        assert added.exit_code == 0, added.output
        listed = runner.invoke(program_list_command, [])
        assert "Aging services: aging_services (teams north)" in listed.output
        refused = runner.invoke(program_add_command, ["Ghost", "--process", "nowhere"])
        assert refused.exit_code == 1 and "nowhere" in refused.output


def test_a_case_starts_on_a_named_process_with_start_data_checked_by_its_start_form(case_engine, people, login):
    xml = linear_process("referral_in", user_task("triage", "Triage")).replace('<bpmn:startEvent id="start"/>',
                                                                               START_FORM)
    case_engine.processes.deploy(operator("ada"), [("referral_in.bpmn", xml.encode())])
    carol = login("carol")
    bad = carol.post("/api/cases", json={"client": ADULT, "process": "referral_in", "variables": {"outcome": 5}})
    assert bad.status_code == 422
    fields = [d["field"] for d in bad.get_json()["error"]["details"]]
    assert "outcome" in fields, fields

    started = carol.post("/api/cases", json={"client": ADULT, "process": "referral_in",
                                             "variables": {"outcome": "Fell at home"}})
    assert started.status_code == 201, started.get_json()
    case = started.get_json()
    assert case["process"]["model"] == "referral_in"
    task = carol.get(f"/api/tasks/{case['tasks'][0]['id']}").get_json()
    assert task["bpmn_id"] == "triage"
    opened = case_engine.record.timeline(people["carol"], case["id"])[-1]
    assert opened["data"]["start_data"] == {"outcome": "Fell at home"}


def test_start_data_may_not_set_what_the_engine_sets_or_reserved_names(case_engine, people, login):
    carol = login("carol")
    for variables, field in (({"case_id": 9}, "variables/case_id"), ({"_getattr_": 0}, "variables/_getattr_"),
                             ([1, 2], "variables")):
        refused = carol.post("/api/cases", json={"client": ADULT, "process": "plan_approval",
                                                 "variables": variables})
        assert refused.status_code == 422, variables
        assert field in [d["field"] for d in refused.get_json()["error"]["details"]]
    assert carol.get("/api/cases").get_json() == [], "nothing was opened"
