"""No step failure is a 500 or a stuck case (issue 13, item 4).

A failure in the step after someone's completion is refused with nothing changed; a
failure in a step nobody was waiting on (a timer) stops that one case with an incident,
which a supervisor sees and retries once the cause is fixed.
"""
from __future__ import annotations

from datetime import timedelta

from engine.policy import operator
from tests.support.bpmn_samples import linear_process, script_task, timer_event, user_task
from tests.support.people import ADULT

CONTACT = {"note": "Visited at home."}


def deploy(engine, process_id: str, xml: str) -> None:
    engine.processes.deploy(operator("ada"), [(f"{process_id}.bpmn", xml.encode())])


def test_a_script_failing_after_a_completion_refuses_it_and_changes_nothing(case_engine, people, login):
    deploy(case_engine, "broken_after", linear_process(
        "broken_after", user_task("work", "Log contact", "contact.schema.json"),
        script_task("tally", "total = visits + 1", name="Count the visits"),
        user_task("next", "Plan the next visit")))
    case = case_engine.cases.open_case(people["carol"], ADULT, model_id="broken_after")
    task = case["tasks"][0]

    carol = login("carol")
    refused = carol.post(f"/api/tasks/{task['id']}/complete", json={"data": CONTACT})

    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "step_failed"
    assert error["details"][0]["element_id"] == "tally"
    assert "visits" in error["details"][0]["message"] and "nothing was changed" in error["message"]
    after = carol.get(f"/api/cases/{case['id']}").get_json()
    assert after["status"] == "active" and after["error"] is None
    assert [t["id"] for t in after["tasks"]] == [task["id"]], "the task is still open to complete again"
    assert after["process"]["active_elements"] == ["work"]
    timeline = case_engine.record.timeline(people["carol"], case["id"])
    assert not any(e.get("title") == "Log contact" for e in timeline), "nothing was signed into the record"
    audit = case_engine.record.audit(people["ada"], case["id"])
    attempt = [e for e in audit if e["kind"] == "step_failed"]
    assert len(attempt) == 1 and attempt[0]["actor"] == "carol" and "tally" in attempt[0]["message"]


def test_an_undefined_name_in_a_post_completion_script_is_refused_the_same_way(case_engine, people, login):
    # an UnboundLocalError-style script: the name is read before it is assigned
    deploy(case_engine, "unbound", linear_process(
        "unbound", user_task("work", "Log contact", "contact.schema.json"),
        script_task("swap", "if False:\n    a = 1\nb = a")))
    case = case_engine.cases.open_case(people["carol"], ADULT, model_id="unbound")
    refused = login("carol").post(f"/api/tasks/{case['tasks'][0]['id']}/complete", json={"data": CONTACT})
    assert refused.status_code == 422 and refused.get_json()["error"]["details"][0]["element_id"] == "swap"


def test_a_failing_timer_stops_only_its_case_with_an_incident_and_a_retry_brings_it_back(
        case_engine, people, clock, login):
    deploy(case_engine, "weekly", linear_process(
        "weekly", timer_event("week", "P7D", name="A week later"),
        script_task("score", "level = risk_score * 2", name="Score the risk"),
        user_task("review", "Review the score")))
    deploy(case_engine, "calm", linear_process("calm", timer_event("week", "P7D"), user_task("review", "Review")))
    failing = case_engine.cases.open_case(people["carol"], ADULT, model_id="weekly")
    calm = case_engine.cases.open_case(people["carol"], ADULT, model_id="calm", confirm_new_client=True)

    clock.advance(timedelta(days=8))
    run = case_engine.timers.run_due()

    assert run.fired == 2, "the failing timer fired; the other case's timer fired too"
    assert [f["case_id"] for f in run.failed] == [failing["id"]]
    sam = login("sam")
    stopped = sam.get(f"/api/cases/{failing['id']}").get_json()
    assert stopped["status"] == "error"
    assert stopped["error"]["element_id"] == "score" and "risk_score" in stopped["error"]["message"]
    assert stopped["error"]["at"].startswith("2026-01-13")
    assert sam.get(f"/api/cases/{calm['id']}").get_json()["tasks"][0]["bpmn_id"] == "review"

    incidents = sam.get("/api/incidents").get_json()
    assert [(i["case_id"], i["element_id"]) for i in incidents] == [(failing["id"], "score")]
    assert login("carol").get("/api/incidents").status_code == 403

    # Nothing else moves a stopped case, and a retry before the fix fails again, by name.
    again = sam.post(f"/api/cases/{failing['id']}/retry")
    assert again.status_code == 200 and again.get_json()["error"]["element_id"] == "score"

    # The administrator corrects the data the script reads, and retries.
    fixed = login("ada").post(f"/api/cases/{failing['id']}/retry", json={"variables": {"risk_score": 3}})
    assert fixed.status_code == 200
    body = fixed.get_json()
    assert body["status"] == "active" and body["error"] is None
    assert [t["bpmn_id"] for t in body["tasks"]] == ["review"]
    assert sam.get("/api/incidents").get_json() == []
    kinds = [e["kind"] for e in case_engine.record.audit(people["ada"], failing["id"])]
    assert kinds.count("incident") == 2 and kinds.count("incident_retried") == 2


def test_a_supervisor_fixes_the_diagram_moves_the_case_and_retries(case_engine, people, clock, login):
    deploy(case_engine, "weekly", linear_process(
        "weekly", timer_event("week", "P7D"), script_task("score", "level = risk_score * 2"),
        user_task("review", "Review the score")))
    failing = case_engine.cases.open_case(people["carol"], ADULT, model_id="weekly")
    clock.advance(timedelta(days=8))
    case_engine.timers.run_due()

    deploy(case_engine, "weekly", linear_process(
        "weekly", timer_event("week", "P7D"), script_task("score", "level = 'unscored'"),
        user_task("review", "Review the score")))
    moved = case_engine.designer.migrate_cases(operator("ada"), "weekly", 2)
    assert [m["case_id"] for m in moved["migrated"]] == [failing["id"]]
    retried = login("sam").post(f"/api/cases/{failing['id']}/retry").get_json()
    assert retried["status"] == "active" and [t["bpmn_id"] for t in retried["tasks"]] == ["review"]
    assert retried["process"]["version"] == 2


def test_retrying_a_case_without_an_incident_is_a_conflict(case_engine, people, login):
    case = case_engine.cases.open_case(people["carol"], ADULT)
    refused = login("sam").post(f"/api/cases/{case['id']}/retry")
    assert refused.status_code == 409 and "no incident" in refused.get_json()["error"]["message"]
    assert login("carol").post(f"/api/cases/{case['id']}/retry").status_code == 403


def test_only_an_administrator_corrects_data_and_never_a_reserved_name(case_engine, people, clock, login):
    deploy(case_engine, "weekly", linear_process(
        "weekly", timer_event("week", "P7D"), script_task("score", "level = risk_score * 2"),
        user_task("review", "Review")))
    failing = case_engine.cases.open_case(people["carol"], ADULT, model_id="weekly")
    clock.advance(timedelta(days=8))
    case_engine.timers.run_due()
    assert login("sam").post(f"/api/cases/{failing['id']}/retry",
                             json={"variables": {"risk_score": 1}}).status_code == 403
    reserved = login("ada").post(f"/api/cases/{failing['id']}/retry", json={"variables": {"_getattr_": 0}})
    assert reserved.status_code == 422
    assert login("sam").get(f"/api/cases/{failing['id']}").get_json()["status"] == "error"


def test_a_message_whose_step_fails_opens_an_incident_on_that_case(case_engine, people, login):
    from tests.support.bpmn_samples import message_event

    deploy(case_engine, "discharge", linear_process(
        "discharge", message_event("wait_discharge", "hospital_discharge", variable="discharge"),
        script_task("plan_return", "days = discharge['ward'] + 1", name="Plan the return home"),
        user_task("call", "Call after the discharge")))
    case = case_engine.cases.open_case(people["carol"], ADULT, model_id="discharge")
    delivered = login("carol").post(f"/api/cases/{case['id']}/messages",
                                    json={"name": "hospital_discharge", "payload": {"ward": "4B"}})
    assert delivered.status_code == 200, "the message was delivered; what followed it failed"
    stopped = delivered.get_json()
    assert stopped["status"] == "error" and stopped["error"]["element_id"] == "plan_return"
    assert [i["case_id"] for i in login("sam").get("/api/incidents").get_json()] == [case["id"]]
